package vmath

import "math"

// The portable implementation: one element at a time in float64, with exp
// and log1p restricted to the arguments the activations need. It is used on
// CPUs without AVX2/FMA, on other architectures and with the noasm tag.

const magic64Bits = 0x4338000000000000 // math.Float64bits(magic64)

// Constants of expNeg: y = n·ln2/128 + r with n = round(y·128/ln2), split
// as n = 128k + j, so that eʸ = 2ᵏ·2^(j/128)·eʳ, |r| ≤ ln2/256.
const (
	expInvL = 128 / math.Ln2
	expLHi  = ln2Hi64 / 128 // n·expLHi is exact for |n| < 2²¹
	expLLo  = ln2Lo64 / 128
)

// expNeg returns eʸ for y ≤ 0 (or y = NaN, giving NaN) within about 0.51
// ulp; results below the normal range are rounded once, to the subnormal
// (or 0). It uses the table expTab of 2^(j/128) and the Taylor polynomial
// of degree 5 of eʳ − 1, |r| ≤ ln2/256 (truncation error below 2⁻⁶⁰). The
// formulas are written so that the accuracy does not depend on whether the
// compiler fuses multiply–adds (as it may on arm64).
func expNeg(y float64) float64 {
	if y < expMin64 {
		y = expMin64
	}
	t := y*expInvL + magic64 // n = round(y·128/ln2) in the low bits
	nf := t - magic64
	// y − nf·expLHi is exact (Sterbenz; nf·expLHi has at most 49 bits).
	r := (y - nf*expLHi) - nf*expLLo
	p := r + r*r*(e2+r*(e3+r*(e4+r*e5))) // eʳ − 1
	n := int64(math.Float64bits(t) - magic64Bits)
	tab := &expTab[n&127]
	v := tab[0] + (tab[1] + tab[0]*p) // 2^(j/128)·eʳ ∈ [1, 2)
	k := n >> 7                       // −1077 ≤ k ≤ 0
	if k >= -1022 {
		return v * math.Float64frombits(uint64(k+1023)<<52)
	}
	return v * math.Float64frombits(uint64(k+1023+64)<<52) * 0x1p-64
}

// log1pUnit returns ln(1 + e) for e ∈ [0, 1] (or NaN), within 0.9 ulp
// (measured: 0.83), by the algorithm of LOG1P64 in the assembly (see the
// package documentation).
func log1pUnit(e float64) float64 {
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

// sigmoidQ returns e = exp(−|x|), g = sigmoid(x) and q = g(1 − g) = e/(1+e)²
// as in the reference.
func sigmoidQ(x float64) (e, g, q float64) {
	e = expNeg(-math.Abs(x))
	d := 1 + e
	q = e / (d * d)
	g = 1 / d
	if x < 0 {
		g = e / d
	}
	return e, g, q
}

// tanhSech2 returns e = exp(−2|x|), t = tanh x and s = sech²x = 4e/(1+e)²
// as in the reference.
func tanhSech2(x float64) (e, t, s float64) {
	e = expNeg(-2 * math.Abs(x))
	d := 1 + e
	s = 4 * e / (d * d)
	t = (1 - e) / d
	if x < 0 {
		t = -t
	}
	return e, t, s
}

// softplusGo is the portable Softplus64/Softplus32.
func softplusGo[T float32 | float64](f, d1, d2, d3, x []T) {
	for i, xv := range x {
		v := float64(xv)
		e, g, q := sigmoidQ(v)
		if f != nil {
			f[i] = T(max(v, 0) + log1pUnit(e))
		}
		if d1 != nil {
			d1[i] = T(g)
		}
		if d2 != nil {
			d2[i] = T(q)
		}
		if d3 != nil {
			d3[i] = T(q * (1 - 2*g))
		}
	}
}

// lnCoshGo is the portable LnCosh64/LnCosh32.
func lnCoshGo[T float32 | float64](f, d1, d2, d3, x []T) {
	for i, xv := range x {
		v := float64(xv)
		e, t, s := tanhSech2(v)
		if f != nil {
			f[i] = T(math.Abs(v) + log1pUnit(e) - math.Ln2)
		}
		if d1 != nil {
			d1[i] = T(t)
		}
		if d2 != nil {
			d2[i] = T(s)
		}
		if d3 != nil {
			d3[i] = T(-2 * t * s)
		}
	}
}

// tanhGo is the portable Tanh64/Tanh32.
func tanhGo[T float32 | float64](f, d1, d2, d3, x []T) {
	for i, xv := range x {
		_, t, s := tanhSech2(float64(xv))
		if f != nil {
			f[i] = T(t)
		}
		if d1 != nil {
			d1[i] = T(s)
		}
		if d2 != nil {
			d2[i] = T(-2 * t * s)
		}
		if d3 != nil {
			d3[i] = T(-2*s*s + 4*t*t*s)
		}
	}
}

// sigmoidGo is the portable Sigmoid64/Sigmoid32.
func sigmoidGo[T float32 | float64](f, d1, d2, d3, x []T) {
	for i, xv := range x {
		_, g, q := sigmoidQ(float64(xv))
		u := 1 - 2*g
		if f != nil {
			f[i] = T(g)
		}
		if d1 != nil {
			d1[i] = T(q)
		}
		if d2 != nil {
			d2[i] = T(q * u)
		}
		if d3 != nil {
			d3[i] = T(q*u*u - 2*q*q)
		}
	}
}

// swishGo is the portable Swish64/Swish32.
func swishGo[T float32 | float64](f, d1, d2, d3, x []T) {
	for i, xv := range x {
		v := float64(xv)
		_, g, q := sigmoidQ(v)
		u := 1 - 2*g
		if f != nil {
			f[i] = T(v * g)
		}
		if d1 != nil {
			d1[i] = T(g + v*q)
		}
		if d2 != nil {
			d2[i] = T(2*q + v*q*u)
		}
		if d3 != nil {
			d3[i] = T(3*q*u + v*(q*u*u-2*q*q))
		}
	}
}
