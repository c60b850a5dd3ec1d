package vmath

import "math"

// The portable implementation: one element at a time in float64, with exp
// and log1p restricted to the arguments the activations need. It is used on
// CPUs without AVX2/FMA, on other architectures and with the noasm tag.

const magic64Bits = 0x4338000000000000 // math.Float64bits(magic64)

// Constants of expArg: y = n·ln2/128 + r with n = round(y·128/ln2), split
// as n = 128k + j, so that eʸ = 2ᵏ·2^(j/128)·eʳ, |r| ≤ ln2/256.
const (
	expInvL = 128 / math.Ln2
	expLHi  = ln2Hi64 / 128 // n·expLHi is exact for |n| < 2²¹
	expLLo  = ln2Lo64 / 128
)

// expArg returns e = eʸ for −746 ≤ y ≤ 0 where that is normal (at least
// 2⁻¹⁰²¹ here; scaled = false), and otherwise ê = eʸ·2⁶⁴, a normal number
// even where eʸ is subnormal, or 0 for y < −746 (where eʸ rounds to 0),
// with scaled = true (see flush): so no subnormal is computed. NaN gives
// NaN. It is within about 0.51 ulp, by the table expTab of 2^(j/128) and
// the Taylor polynomial of degree 5 of eʳ − 1, |r| ≤ ln2/256 (truncation
// error below 2⁻⁶⁰). The formulas are written so that the accuracy does
// not depend on whether the compiler fuses multiply–adds (as it may on
// arm64).
func expArg(y float64) (e float64, scaled bool) {
	if y < expMin64 {
		return 0, true
	}
	t := y*expInvL + magic64 // n = round(y·128/ln2) in the low bits
	nf := t - magic64
	// y − nf·expLHi is exact (Sterbenz; nf·expLHi has at most 49 bits).
	r := (y - nf*expLHi) - nf*expLLo
	p := r + r*r*(e2+r*(e3+r*(e4+r*e5))) // eʳ − 1
	n := int64(math.Float64bits(t) - magic64Bits)
	tab := &expTab[n&127]
	v := tab[0] + (tab[1] + tab[0]*p) // 2^(j/128)·eʳ ∈ [0.997, 2)
	k := n >> 7                       // −1077 ≤ k ≤ 0
	if k >= -1021 {
		return v * math.Float64frombits(uint64(k+1023)<<52), false
	}
	return v * math.Float64frombits(uint64(k+1023+64)<<52), true
}

// log1pUnit returns ln(1 + e) for e ∈ [0, 1] (or NaN), within 0.9 ulp
// (measured: 0.83), by the algorithm of LOG1P64 in the assembly (see the
// package documentation); below log1pSmall64 it returns e, to which
// ln(1 + e) rounds, and computes no subnormal.
func log1pUnit(e float64) float64 {
	if e < log1pSmall64 {
		return e
	}
	phi, k := e, 0.0
	if e >= 0.5 { // 1 + e = 2(1 + φ), φ = (e − 1)/2 ∈ [−¼, 0] exactly
		phi, k = (e-1)*0.5, 1
	}
	s := phi / (2 + phi) // |s| ≤ 0.2
	h := 0.5 * phi * phi
	w := s * s
	// R = w·Σ_{j=1}^{11} l_j w^(j−1), as w·(E(w²) + w·O(w²)).
	w2 := w * w
	pe := ((((l11*w2+l9)*w2+l7)*w2+l5)*w2+l3)*w2 + l1
	po := (((l10*w2+l8)*w2+l6)*w2+l4)*w2 + l2
	r := w * (pe + w*po)
	// k·ln 2 + φ as hi + lo exactly (Fast2Sum: |k·ln 2| ≥ |φ| or k = 0),
	// so that only the last addition rounds at the scale of the result.
	kl := k * ln2Near64
	hi := kl + phi
	lo := (kl - hi) + phi
	return hi + (lo + (k*ln2Tail64 - (h - s*(h+r))))
}

// limitsOf returns, for T, the smallest normal tiny and the e and the |x|
// (swish) below which an output may be below it, as in the assembly (see
// esSlow64 and outputLoop in gen_amd64.go): where e ≥ slowE and, for
// swish, |x| ≥ xSmall, every output is 0 or at least about e/4 (or |x|/8),
// and q·q, s·s are normal.
func limitsOf[T float32 | float64]() (tiny, slowE, xSmall float64) {
	var z T
	if _, ok := any(z).(float32); ok {
		return tiny32, esSlow32 * twoM64, xSmall32
	}
	return tiny64, esSlow64 * twoM64, xSmall64
}

// daz returns x, or 0 where |x| is below tiny (a subnormal input is taken
// as 0, as in the assembly).
func daz(x, tiny float64) float64 {
	if math.Abs(x) < tiny {
		return 0
	}
	return x
}

// flush returns the output w as the functions store it: +0 where |w| is
// below tiny, the smallest normal of the output's precision. Where e was
// scaled (see expArg), w was computed from ê = e·2⁶⁴ < esMin64: the outputs
// of order 1 are as they are, those proportional to e are below oSmall64
// and are unscaled by 2⁻⁶⁴ (exactly, after those below esMin64 became 0,
// so that no subnormal is computed).
func flush(w float64, scaled bool, tiny float64) float64 {
	a := math.Abs(w)
	if scaled && a < oSmall64 {
		if a < esMin64 {
			return 0
		}
		w *= twoM64
		a *= twoM64
	}
	if a < tiny {
		return 0
	}
	return w
}

// store writes the outputs w (w[0] to f, w[1] to d1 …) at i of those
// that are not nil.
func store[T float32 | float64](f, d1, d2, d3 []T, i int, w *[4]float64) {
	if f != nil {
		f[i] = T(w[0])
	}
	if d1 != nil {
		d1[i] = T(w[1])
	}
	if d2 != nil {
		d2[i] = T(w[2])
	}
	if d3 != nil {
		d3[i] = T(w[3])
	}
}

// storeFlushed is store for an element near the underflow: each output
// flushed (see flush). It is not inlined, to keep the loops small.
//
//go:noinline
func storeFlushed[T float32 | float64](f, d1, d2, d3 []T, i int, w *[4]float64, scaled bool, tiny float64) {
	for k := range w {
		w[k] = flush(w[k], scaled, tiny)
	}
	store(f, d1, d2, d3, i, w)
}

// sq0 returns v, or 0 below sqMin64, where v·v would underflow (and is far
// below the rounding error of the terms it is added to).
func sq0(v float64) float64 {
	if v < sqMin64 {
		return 0
	}
	return v
}

// sigmoidQ returns e = exp(−|x|), g = sigmoid(x) and q = g(1 − g) =
// e/(1+e)² as in the reference, computed from ê (see expArg) where scaled.
func sigmoidQ(x float64) (e, g, q float64, scaled bool) {
	e, scaled = expArg(-math.Abs(x))
	d := 1 + e
	q = e / (d * d)
	g = 1 / d
	if x < 0 {
		g = e / d
	}
	return e, g, q, scaled
}

// tanhSech2 returns e = exp(−2|x|), t = tanh x and s = sech²x = 4e/(1+e)²
// as in the reference, computed from ê (see expArg) where scaled.
func tanhSech2(x float64) (e, t, s float64, scaled bool) {
	e, scaled = expArg(-2 * math.Abs(x))
	d := 1 + e
	s = 4 * e / (d * d)
	t = (1 - e) / d
	if x < 0 {
		t = -t
	}
	return e, t, s, scaled
}

// The portable functions evaluate, element by element, the outputs from
// x (a subnormal x taken as 0) and e; an element with e below slowE (and,
// for swish, |x| below xSmall) is near the underflow and has its outputs
// flushed (storeFlushed), the others are stored as they are (see
// limitsOf). Only the wanted outputs are computed.

// softplusGo is the portable Softplus64/Softplus32.
func softplusGo[T float32 | float64](f, d1, d2, d3, x []T) {
	tiny, slowE, _ := limitsOf[T]()
	for i, xv := range x {
		v := daz(float64(xv), tiny)
		e, g, q, sc := sigmoidQ(v)
		var w [4]float64
		if f != nil {
			w[0] = max(v, 0) + log1pUnit(e)
		}
		w[1], w[2] = g, q
		if d3 != nil {
			w[3] = q * (1 - 2*g)
		}
		if e < slowE {
			storeFlushed(f, d1, d2, d3, i, &w, sc, tiny)
			continue
		}
		store(f, d1, d2, d3, i, &w)
	}
}

// lnCoshGo is the portable LnCosh64/LnCosh32.
func lnCoshGo[T float32 | float64](f, d1, d2, d3, x []T) {
	tiny, slowE, _ := limitsOf[T]()
	for i, xv := range x {
		v := daz(float64(xv), tiny)
		e, t, s, sc := tanhSech2(v)
		var w [4]float64
		if f != nil {
			w[0] = math.Abs(v) + log1pUnit(e) - math.Ln2
		}
		w[1], w[2] = t, s
		if d3 != nil {
			w[3] = -2 * t * s
		}
		if e < slowE {
			storeFlushed(f, d1, d2, d3, i, &w, sc, tiny)
			continue
		}
		store(f, d1, d2, d3, i, &w)
	}
}

// tanhGo is the portable Tanh64/Tanh32.
func tanhGo[T float32 | float64](f, d1, d2, d3, x []T) {
	tiny, slowE, _ := limitsOf[T]()
	for i, xv := range x {
		e, t, s, sc := tanhSech2(daz(float64(xv), tiny))
		w := [4]float64{t, s}
		if d2 != nil {
			w[2] = -2 * t * s
		}
		if d3 != nil {
			w[3] = -2*s*sq0(s) + 4*t*t*s
		}
		if e < slowE {
			storeFlushed(f, d1, d2, d3, i, &w, sc, tiny)
			continue
		}
		store(f, d1, d2, d3, i, &w)
	}
}

// sigmoidGo is the portable Sigmoid64/Sigmoid32.
func sigmoidGo[T float32 | float64](f, d1, d2, d3, x []T) {
	tiny, slowE, _ := limitsOf[T]()
	for i, xv := range x {
		e, g, q, sc := sigmoidQ(daz(float64(xv), tiny))
		u := 1 - 2*g
		w := [4]float64{g, q}
		if d2 != nil {
			w[2] = q * u
		}
		if d3 != nil {
			w[3] = q*u*u - 2*q*sq0(q)
		}
		if e < slowE {
			storeFlushed(f, d1, d2, d3, i, &w, sc, tiny)
			continue
		}
		store(f, d1, d2, d3, i, &w)
	}
}

// swishGo is the portable Swish64/Swish32.
func swishGo[T float32 | float64](f, d1, d2, d3, x []T) {
	tiny, slowE, xSmall := limitsOf[T]()
	for i, xv := range x {
		v := daz(float64(xv), tiny)
		e, g, q, sc := sigmoidQ(v)
		u := 1 - 2*g
		var w [4]float64
		if f != nil {
			w[0] = v * g
		}
		if d1 != nil {
			w[1] = g + v*q
		}
		if d2 != nil {
			w[2] = 2*q + v*q*u
		}
		if d3 != nil {
			w[3] = 3*q*u + v*(q*u*u-2*q*sq0(q))
		}
		if e < slowE || math.Abs(v) < xSmall {
			storeFlushed(f, d1, d2, d3, i, &w, sc, tiny)
			continue
		}
		store(f, d1, d2, d3, i, &w)
	}
}
