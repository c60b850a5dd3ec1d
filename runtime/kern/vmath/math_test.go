package vmath

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Accuracy of the exp and log1p building blocks against a 256-bit math/big
// reference, in ulps of the exact value (the asm versions are checked in
// math_amd64_test.go).

const bigPrec = 256

// bigExp returns e^z to bigPrec bits: the Taylor series on z/2^m, |z/2^m| <
// 2^-8, squared m times.
func bigExp(z *big.Float) *big.Float {
	w := new(big.Float).SetPrec(bigPrec).Set(z)
	m := max(0, w.MantExp(nil)+8)
	w.SetMantExp(w, -m)
	sum := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	term := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for k := int64(1); k <= 40; k++ {
		term.Mul(term, w)
		term.Quo(term, new(big.Float).SetInt64(k))
		sum.Add(sum, term)
	}
	for range m {
		sum.Mul(sum, sum)
	}
	return sum
}

// bigLog1p returns ln(1 + e) to about bigPrec bits for e ∈ [0, 1], as
// 2·atanh(u) = 2·Σ u^(2j+1)/(2j+1) with u = e/(2 + e) ≤ 1/3.
func bigLog1p(e float64) *big.Float {
	u := new(big.Float).SetPrec(bigPrec).SetFloat64(e)
	d := new(big.Float).SetPrec(bigPrec).SetFloat64(e)
	d.Add(d, new(big.Float).SetInt64(2))
	u.Quo(u, d)
	u2 := new(big.Float).SetPrec(bigPrec).Mul(u, u)
	sum := new(big.Float).SetPrec(bigPrec)
	pow := new(big.Float).SetPrec(bigPrec).Set(u)
	for j := int64(0); j < 90; j++ {
		sum.Add(sum, new(big.Float).SetPrec(bigPrec).Quo(pow, new(big.Float).SetInt64(2*j+1)))
		pow.Mul(pow, u2)
	}
	return sum.Add(sum, sum)
}

// ulpErr returns |got − exact| in ulps of exact rounded to float64 (or to
// float32 if f32).
func ulpErr(got float64, exact *big.Float, f32 bool) float64 {
	d := new(big.Float).SetPrec(bigPrec).SetFloat64(got)
	d.Sub(d, exact)
	var ulp float64
	if f32 {
		v, _ := exact.Float32()
		a := float32(math.Abs(float64(v)))
		ulp = float64(math.Nextafter32(a, float32(math.Inf(1)))) - float64(a)
	} else {
		v, _ := exact.Float64()
		a := math.Abs(v)
		ulp = math.Nextafter(a, math.Inf(1)) - a
	}
	r, _ := d.Quo(d, new(big.Float).SetFloat64(ulp)).Float64()
	return math.Abs(r)
}

// expArgs returns exp arguments in [−746, 0]: random ones of all scales
// and the edges of the subnormal and underflow ranges.
func expArgs(n int) []float64 {
	rnd := rand.New(rand.NewPCG(11, 12))
	ys := []float64{0, -1e-300, -1e-20, -0.5 * math.Ln2, -math.Ln2, -1, -10, -708.39, -708.4,
		-709, -720, -740, -744.4, -745, -745.13, -745.14, -746}
	for range n {
		switch rnd.IntN(3) {
		case 0:
			ys = append(ys, -rnd.Float64()*2)
		case 1:
			ys = append(ys, -rnd.Float64()*746)
		default:
			ys = append(ys, -math.Pow(10, -20+23*rnd.Float64()))
		}
	}
	return ys
}

// log1pArgs returns log1p arguments in [0, 1], dense near the branch at ½.
func log1pArgs(n int) []float64 {
	rnd := rand.New(rand.NewPCG(13, 14))
	xs := []float64{0, 5e-324, 1e-300, 1e-17, 1e-8, 0.25, math.Nextafter(0.5, 0), 0.5, math.Sqrt2 - 1, 0.75, 1}
	for range n {
		switch rnd.IntN(3) {
		case 0:
			xs = append(xs, rnd.Float64())
		case 1:
			xs = append(xs, 0.45+0.1*rnd.Float64())
		default:
			xs = append(xs, math.Pow(10, -30*rnd.Float64()))
		}
	}
	return xs
}

// maxULP returns the largest ulp error of f on xs against exact.
func maxULP(xs []float64, f func(float64) float64, exact func(float64) *big.Float, f32 bool) (worst, at float64) {
	for _, x := range xs {
		if u := ulpErr(f(x), exact(x), f32); u > worst {
			worst, at = u, x
		}
	}
	return worst, at
}

func bigExpOf(y float64) *big.Float { return bigExp(new(big.Float).SetFloat64(y)) }

// expNeg is eʸ from expArg, unscaled: rounded once, to a subnormal (or 0)
// below the normal range.
func expNeg(y float64) float64 {
	e, scaled := expArg(y)
	if scaled {
		return e * twoM64
	}
	return e
}

// TestExpLog1pGo checks the portable exp to 0.52 ulp and log1p to 0.9 ulp
// (the measured maxima are logged, with those of math.Exp and math.Log1p
// for comparison).
func TestExpLog1pGo(t *testing.T) {
	ys, xs := expArgs(3000), log1pArgs(3000)
	w, at := maxULP(ys, expNeg, bigExpOf, false)
	t.Logf("expNeg:     max %.3f ulp at %v", w, at)
	require.LessOrEqual(t, w, 0.52)
	wm, atm := maxULP(ys, math.Exp, bigExpOf, false)
	t.Logf("math.Exp:   max %.3f ulp at %v", wm, atm)
	w, at = maxULP(xs, log1pUnit, bigLog1p, false)
	t.Logf("log1pUnit:  max %.3f ulp at %v", w, at)
	require.LessOrEqual(t, w, 0.9)
	wm, atm = maxULP(xs, math.Log1p, bigLog1p, false)
	t.Logf("math.Log1p: max %.3f ulp at %v", wm, atm)

	require.True(t, math.IsNaN(expNeg(math.NaN())))
	require.True(t, math.IsNaN(log1pUnit(math.NaN())))
	require.Equal(t, 0.0, expNeg(math.Inf(-1)))
	require.Equal(t, 0.0, expNeg(-1e300))
	require.Equal(t, 1.0, expNeg(0))
	require.Equal(t, 1.0, expNeg(math.Copysign(0, -1)))
}

// TestConstants checks the constants written out in hexadecimal.
func TestConstants(t *testing.T) {
	require.Equal(t, float64(math.Ln2), float64(ln2Near64))
	require.Equal(t, float32(math.Ln2), float32(ln2Near32))
	require.NotZero(t, float64(ln2Tail64))
	require.NotZero(t, float32(ln2Tail32))
	require.Equal(t, uint64(magic64Bits), math.Float64bits(magic64))
	ln2 := bigLog1p(1)
	for _, c := range []struct{ hi, lo, bits, tol float64 }{
		{ln2Hi64, ln2Lo64, 32, 1e-25},
		{ln2Hi32, float64(float32(ln2Lo32)), 16, 1e-13},
	} {
		// The head has at most the given number of significant bits ...
		m, _ := math.Frexp(c.hi)
		require.Equal(t, m*math.Exp2(c.bits), math.Trunc(m*math.Exp2(c.bits)))
		// ... and head + tail is ln 2 to far beyond the precision.
		d := new(big.Float).SetPrec(bigPrec).SetFloat64(c.hi)
		d.Add(d, new(big.Float).SetFloat64(c.lo))
		d.Sub(d, ln2)
		df, _ := d.Float64()
		require.Less(t, math.Abs(df), c.tol)
	}
}

// TestExpTable recomputes expTab with math/big: each head is 2^(j/128)
// rounded to nearest and each tail the rest rounded to nearest.
func TestExpTable(t *testing.T) {
	r := new(big.Float).SetPrec(bigPrec).SetInt64(2)
	for range 7 {
		r.Sqrt(r)
	}
	v := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for j := range expTab {
		hi, _ := v.Float64()
		lo, _ := new(big.Float).SetPrec(bigPrec).Sub(v, new(big.Float).SetFloat64(hi)).Float64()
		require.Equal(t, [2]float64{hi, lo}, expTab[j], "j=%d", j)
		v.Mul(v, r)
	}
}
