package vmath_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/runtime/kern"
	"github.com/mafc-dev/mafc/runtime/kern/vmath"
)

// act describes one activation: the two batched functions, the scalar
// reference of kern and the error scales of each output.
type act struct {
	name  string
	v64   func(f, d1, d2, d3, x []float64)
	v32   func(f, d1, d2, d3, x []float32)
	ref   func(x float64) (f, d1, d2, d3 float64)
	scale func(x, tiny float64) (mu, terms [4]float64)
}

// rv is a value of the reference computation together with its running
// error bound m (Higham, Accuracy and Stability of Numerical Algorithms,
// §3.3): to first order, a float evaluation of the formula with unit
// roundoff u, with exp and log1p correct to 1 ulp, is within u·m of the
// exact value.
type rv struct{ v, m float64 }

// exact is an input or an exact constant.
func exact(v float64) rv { return rv{v, 0} }

// constant is a constant rounded to the working precision.
func constant(v float64) rv { return rv{v, math.Abs(v)} }

func (a rv) add(b rv) rv {
	v := a.v + b.v
	return rv{v, a.m + b.m + math.Abs(v)}
}

func (a rv) sub(b rv) rv {
	v := a.v - b.v
	return rv{v, a.m + b.m + math.Abs(v)}
}

func (a rv) mul(b rv) rv {
	v := a.v * b.v
	return rv{v, math.Abs(b.v)*a.m + math.Abs(a.v)*b.m + math.Abs(v)}
}

// pow2 multiplies by ±2ᵏ, which is exact.
func (a rv) pow2(c float64) rv { return rv{c * a.v, math.Abs(c) * a.m} }

func (a rv) div(b rv) rv {
	v := a.v / b.v
	return rv{v, (a.m+math.Abs(v)*b.m)/math.Abs(b.v) + math.Abs(v)}
}

// expRV is exp(y) charged one ulp, where a result below the smallest normal
// tiny counts as tiny (its absolute error is that of tiny).
func expRV(y, tiny float64) rv {
	e := math.Exp(y)
	return rv{e, 2 * max(e, tiny)}
}

// lostDigits returns NaN where the reference's e is a float64 subnormal,
// else 1.
func lostDigits(e rv) float64 {
	if e.v > 0 && e.v < 0x1p-1022 {
		return math.NaN()
	}
	return 1
}

// log1pRV is log1p(e) charged one ulp, plus the propagated error of e.
func log1pRV(e rv) rv {
	l := math.Log1p(e.v)
	return rv{l, e.m/(1+e.v) + 2*l}
}

// sigmoidRV returns e = exp(−|x|), g and q as the reference computes them.
func sigmoidRV(x, tiny float64) (e, g, q rv) {
	e = expRV(-math.Abs(x), tiny)
	d := exact(1).add(e)
	q = e.div(d.mul(d))
	g = exact(1).div(d)
	if x < 0 {
		g = e.div(d)
	}
	return e, g, q
}

// tanhRV returns e = exp(−2|x|), t and s as the reference computes them.
func tanhRV(x, tiny float64) (e, t, s rv) {
	e = expRV(-2*math.Abs(x), tiny)
	d := exact(1).add(e)
	s = e.pow2(4).div(d.mul(d))
	t = exact(1).sub(e).div(d)
	if x < 0 {
		t = t.pow2(-1)
	}
	return e, t, s
}

// The scales of each output: mu is the running error bound of the
// reference formula (the test bound is max(4 ulp, 2u·mu)); terms is the
// formula with all terms replaced by their magnitudes (t, whose 1 − e may
// cancel, by 1 and u = 1 − 2g by 1 + 2g), used only to report the ulp error
// where no digits cancel (|v| ≥ terms/2) and e is not a float64 subnormal
// (where it is, the reference has lost digits: terms are NaN there).
var acts = []act{
	{"Softplus", vmath.Softplus64, vmath.Softplus32, kern.Softplus, func(x, tiny float64) (mu, terms [4]float64) {
		e, g, q := sigmoidRV(x, tiny)
		f := exact(max(x, 0)).add(log1pRV(e))
		d3 := q.mul(exact(1).sub(g.pow2(2)))
		l := lostDigits(e)
		return [4]float64{f.m, g.m, q.m, d3.m}, [4]float64{l * f.v, l * g.v, l * q.v, l * q.v * (1 + 2*g.v)}
	}},
	{"LnCosh", vmath.LnCosh64, vmath.LnCosh32, kern.LnCosh, func(x, tiny float64) (mu, terms [4]float64) {
		e, t, s := tanhRV(x, tiny)
		a := math.Abs(x)
		f := exact(a).add(log1pRV(e)).sub(constant(math.Ln2))
		d3 := t.pow2(-2).mul(s)
		l := lostDigits(e)
		return [4]float64{f.m, t.m, s.m, d3.m}, [4]float64{l * (a + math.Log1p(e.v) + math.Ln2), l, l * s.v, l * 2 * s.v}
	}},
	{"Tanh", vmath.Tanh64, vmath.Tanh32, kern.Tanh, func(x, tiny float64) (mu, terms [4]float64) {
		e, t, s := tanhRV(x, tiny)
		d2 := t.pow2(-2).mul(s)
		d3 := s.pow2(-2).mul(s).add(t.pow2(4).mul(t).mul(s))
		l := lostDigits(e)
		return [4]float64{t.m, s.m, d2.m, d3.m}, [4]float64{l, l * s.v, l * 2 * s.v, l * (2*s.v*s.v + 4*s.v)}
	}},
	{"Sigmoid", vmath.Sigmoid64, vmath.Sigmoid32, kern.Sigmoid, func(x, tiny float64) (mu, terms [4]float64) {
		e, g, q := sigmoidRV(x, tiny)
		u := exact(1).sub(g.pow2(2))
		qu := q.mul(u)
		d3 := qu.mul(u).sub(q.pow2(2).mul(q))
		ua, l := 1+2*g.v, lostDigits(e)
		return [4]float64{g.m, q.m, qu.m, d3.m}, [4]float64{l * g.v, l * q.v, l * q.v * ua, l * (q.v*ua*ua + 2*q.v*q.v)}
	}},
	{"Swish", vmath.Swish64, vmath.Swish32, kern.Swish, func(x, tiny float64) (mu, terms [4]float64) {
		e, g, q := sigmoidRV(x, tiny)
		xv := exact(x)
		u := exact(1).sub(g.pow2(2))
		xq := xv.mul(q)
		f := xv.mul(g)
		d1 := g.add(xq)
		d2 := q.pow2(2).add(xq.mul(u))
		d3 := exact(3).mul(q).mul(u).add(xv.mul(q.mul(u).mul(u).sub(q.pow2(2).mul(q))))
		ua, a, l := 1+2*g.v, math.Abs(x), lostDigits(e)
		return [4]float64{f.m, d1.m, d2.m, d3.m}, [4]float64{l * a * g.v, l * (g.v + a*q.v), l * (2*q.v + a*q.v*ua),
			l * (3*q.v*ua + a*(q.v*ua*ua+2*q.v*q.v))}
	}},
}

var outNames = [4]string{"f", "d1", "d2", "d3"}

// ulp64 is the spacing of the float64s at |v| (2⁻¹⁰⁷⁴ at 0).
func ulp64(v float64) float64 {
	v = math.Abs(v)
	if v == math.MaxFloat64 {
		return v - math.Nextafter(v, 0)
	}
	return math.Nextafter(v, math.Inf(1)) - v
}

// ulp32 is the spacing of the float32s at |v| (2⁻¹⁴⁹ at 0).
func ulp32(v float32) float64 {
	a := float32(math.Abs(float64(v)))
	if a == math.MaxFloat32 {
		return float64(a) - float64(math.Nextafter32(a, 0))
	}
	return float64(math.Nextafter32(a, float32(math.Inf(1)))) - float64(a)
}

// impls returns the implementations to test: the portable Go code and,
// where the CPU has AVX2/FMA, the assembly.
func impls() []string {
	if vmath.HasAsm {
		return []string{"go", "asm"}
	}
	return []string{"go"}
}

// use selects the implementation for the rest of the test.
func use(t testing.TB, impl string) {
	prev := *vmath.UseAsm
	*vmath.UseAsm = impl == "asm"
	t.Cleanup(func() { *vmath.UseAsm = prev })
}

// prec describes a precision for the error checks.
type prec struct {
	u, tiny float64               // unit roundoff, smallest normal
	ulp     func(float64) float64 // ulp(v), v already in the precision
}

var (
	p64 = prec{0x1p-53, 0x1p-1022, ulp64}
	p32 = prec{0x1p-24, 0x1p-126, func(v float64) float64 { return ulp32(float32(v)) }}
)

// errStat accumulates the errors of one output against the reference:
// bound is the largest error relative to the bound max(4 ulp(v), 2u·mu);
// ulps the largest error in ulp(v) where no digits cancel (|v| ≥ terms/2);
// mus the largest error in units of u·mu; flushed counts the outputs that
// are 0 where the reference is not (below the normal range).
type errStat struct {
	bound, ulps, mus float64
	xBound, xUlps    float64
	n, bad, flushed  int
	firstBad         string
}

// add records got against the reference v (already rounded to the
// precision p) with the scales mu and terms. The functions compute a value
// w̃ within the bound B = max(4 ulp(v), 2u·mu) of v and return it, or +0
// where |w̃| is below the smallest normal p.tiny: so got must not be
// subnormal, a nonzero got must be within B of v, and got = 0 needs
// |v| ≤ B or |v| < p.tiny + B, and is +0 where v is subnormal or it was
// flushed.
func (st *errStat) add(p prec, x, got, v, mu, terms float64) {
	st.n++
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		if !(math.IsNaN(v) && math.IsNaN(got)) && got != v {
			st.fail(x, got, v, math.Inf(1))
		}
		return
	case math.IsNaN(got) || math.IsInf(got, 0):
		st.fail(x, got, v, math.Inf(1))
		return
	case got != 0 && math.Abs(got) < p.tiny:
		st.fail(x, got, v, math.Inf(1)) // subnormal
		return
	}
	err := math.Abs(got - v)
	ulp := p.ulp(v)
	bnd := max(4*ulp, 2*p.u*mu)
	if got == 0 && v != 0 && (math.Abs(v) < p.tiny || err > bnd && err < p.tiny+bnd) {
		if math.Signbit(got) {
			st.fail(x, got, v, math.Inf(1))
		}
		st.flushed++
		return
	}
	r := err / bnd
	if r > st.bound {
		st.bound, st.xBound = r, x
	}
	if math.Abs(v) >= terms/2 && err/ulp > st.ulps { // false for terms = NaN
		st.ulps, st.xUlps = err/ulp, x
	}
	if p.u*mu > 0 {
		st.mus = max(st.mus, err/(p.u*mu))
	}
	if !(r <= 1) {
		st.fail(x, got, v, r)
	}
}

func (st *errStat) fail(x, got, v, r float64) {
	if st.bad == 0 {
		st.firstBad = fmt.Sprintf("x=%v: got %v, want %v (%.3g × bound)", x, got, v, r)
	}
	st.bad++
}

// check64 evaluates a on xs with all four outputs and records the errors.
func check64(a act, xs []float64, st *[4]errStat) {
	n := len(xs)
	out := [4][]float64{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	a.v64(out[0], out[1], out[2], out[3], xs)
	for i, x := range xs {
		ref := refOf(a, x)
		mu, terms := a.scale(x, p64.tiny)
		for k := range 4 {
			st[k].add(p64, x, out[k][i], ref[k], mu[k], terms[k])
		}
	}
}

// check32 is check64 for float32: the reference is the float64 one at
// float64(x) rounded to float32.
func check32(a act, xs []float32, st *[4]errStat) {
	n := len(xs)
	out := [4][]float32{make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)}
	a.v32(out[0], out[1], out[2], out[3], xs)
	for i, x32 := range xs {
		x := float64(x32)
		ref := refOf(a, x)
		mu, terms := a.scale(x, p32.tiny)
		for k := range 4 {
			st[k].add(p32, x, float64(out[k][i]), float64(float32(ref[k])), mu[k], terms[k])
		}
	}
}

// refOf returns the four reference outputs at x.
func refOf(a act, x float64) (r [4]float64) {
	r[0], r[1], r[2], r[3] = a.ref(x)
	return r
}

// specials are the special inputs of every accuracy test.
func specials() []float64 {
	xs := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, a := range []float64{
		5e-324, 1e-310, 1e-300, 1e-200, 1e-20, 1e-16, 1e-8, 1e-4, 0.1,
		0.25, 0.34657359027997264, 0.5, math.Ln2, 0.75, 1, 1.2784645427610738,
		2, 2.3994, 10, 18.5, 19, 20, 36, 37, 40, 87.3, 88.7, 103, 104, 200, 354,
		354.4, 355, 372, 372.6, 373, 700, 708.39, 708.4, 709, 709.78, 709.79,
		710, 744, 745, 745.13, 745.14, 746, 1000, 1e4, 1e300, math.MaxFloat64,
		// where the assembly's slow code starts (e = 2⁻¹²⁰ and 2⁻⁵⁰⁰ of
		// exp(−|x|) and exp(−2|x|), |x| = 2⁻¹⁰⁰ and 2⁻¹⁰⁰⁰ for swish)
		41.588, 41.589, 83.177, 83.178, 173.28, 173.29, 346.57, 346.58,
		0x1p-100, 0x1.0000000000001p-100, 0x1p-1000, 0x1.0000000000001p-1000,
	} {
		xs = append(xs, a, -a)
	}
	return xs
}

// inputs64 returns the float64 test inputs: the special values, a dense grid
// over [−40, 40], random values of magnitudes 1e-300 … 1e3 and random values
// in the ranges where exp(−|x|) or exp(−2|x|) is subnormal.
func inputs64() []float64 {
	xs := specials()
	for i := -40 * 1024; i <= 40*1024; i++ {
		xs = append(xs, float64(i)/1024)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	sign := func() float64 {
		if rnd.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	for range 100000 {
		xs = append(xs, sign()*math.Pow(10, -300+303*rnd.Float64()))
	}
	for range 20000 {
		xs = append(xs, sign()*(rnd.Float64()*8), sign()*(rnd.Float64()*800),
			sign()*(700+rnd.Float64()*50), sign()*(350+rnd.Float64()*25))
	}
	return xs
}

// inputs32 returns the float32 test inputs, as inputs64 for the float32
// range (magnitudes 1e-45 … 1e3, subnormal exp(−|x|) for |x| ∈ [87, 104]).
func inputs32() []float32 {
	var xs []float32
	for _, x := range specials() {
		xs = append(xs, float32(x))
	}
	for i := -40 * 1024; i <= 40*1024; i++ {
		xs = append(xs, float32(i)/1024)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	sign := func() float32 {
		if rnd.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	for range 100000 {
		xs = append(xs, sign()*float32(math.Pow(10, -45+48*rnd.Float64())))
	}
	for range 20000 {
		xs = append(xs, sign()*float32(rnd.Float64()*8), sign()*float32(rnd.Float64()*200),
			sign()*float32(85+rnd.Float64()*20), sign()*float32(42+rnd.Float64()*12))
	}
	return xs
}

// TestAccuracy checks every output of every activation against the scalar
// reference on the inputs above, for each implementation and precision, and
// logs the largest errors (run with -v for the table).
func TestAccuracy(t *testing.T) {
	x64, x32 := inputs64(), inputs32()
	var table strings.Builder
	fmt.Fprintf(&table, "%-8s %-3s %-4s | %-45s %6s | %-45s %6s\n", "", "", "",
		"float64: bound [at x]      ulps [at x]      u·mu", "+0", "float32: bound [at x]      ulps [at x]      u·mu", "+0")
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			var s64, s32 [4]errStat
			check64(a, x64, &s64)
			check32(a, x32, &s32)
			for k := range 4 {
				fmt.Fprintf(&table, "%-8s %-3s %-4s | %4.2f [%-10.4g] %5.2f [%-10.4g] %4.2f %6d | %4.2f [%-10.4g] %5.2f [%-10.4g] %4.2f %6d\n",
					a.name, outNames[k], impl,
					s64[k].bound, s64[k].xBound, s64[k].ulps, s64[k].xUlps, s64[k].mus, s64[k].flushed,
					s32[k].bound, s32[k].xBound, s32[k].ulps, s32[k].xUlps, s32[k].mus, s32[k].flushed)
				for _, st := range []struct {
					prec string
					s    errStat
				}{{"float64", s64[k]}, {"float32", s32[k]}} {
					if st.s.bad > 0 {
						t.Errorf("%s %s %s %s: %d of %d outside the bound, first %s",
							impl, a.name, outNames[k], st.prec, st.s.bad, st.s.n, st.s.firstBad)
					}
				}
			}
		}
	}
	t.Logf("largest errors on %d float64 and %d float32 inputs: bound = error/max(4 ulp, 2u·mu) (must be ≤ 1), "+
		"ulps = error/ulp where no digits cancel, u·mu = error/(u·mu), +0 = outputs flushed to +0 where the reference "+
		"is below the smallest normal (or rounds to just above it), left out of the other columns:\n%s",
		len(x64), len(x32), table.String())
}

// TestSpecialValues pins the limits that the reference gives at the special
// inputs, exactly.
func TestSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		a    int
		x    float64
		want [4]float64
	}{
		{0, 1000, [4]float64{1000, 1, 0, 0}},
		{0, -1000, [4]float64{0, 0, 0, 0}},
		{0, inf, [4]float64{inf, 1, 0, 0}},
		{0, -inf, [4]float64{0, 0, 0, 0}},
		{0, 0, [4]float64{math.Ln2, 0.5, 0.25, 0}},
		{1, 1000, [4]float64{1000 - math.Ln2, 1, 0, 0}},
		{1, -1e300, [4]float64{1e300, -1, 0, 0}},
		{1, -inf, [4]float64{inf, -1, 0, 0}},
		{1, 0, [4]float64{0, 0, 1, 0}},
		{2, 1e300, [4]float64{1, 0, 0, 0}},
		{2, -inf, [4]float64{-1, 0, 0, 0}},
		{2, 0, [4]float64{0, 1, 0, -2}},
		{3, inf, [4]float64{1, 0, 0, 0}},
		{3, -1000, [4]float64{0, 0, 0, 0}},
		{3, 0, [4]float64{0.5, 0.25, 0, -0.125}},
		{4, 1000, [4]float64{1000, 1, 0, 0}},
		{4, -1000, [4]float64{0, 0, 0, 0}},
		{4, inf, [4]float64{inf, nan, nan, nan}},
		{4, -inf, [4]float64{nan, nan, nan, nan}},
		{4, 0, [4]float64{0, 0.5, 0.5, 0}},
	}
	for _, impl := range impls() {
		use(t, impl)
		for _, c := range cases {
			a := acts[c.a]
			var o64 [4][1]float64
			var o32 [4][1]float32
			a.v64(o64[0][:], o64[1][:], o64[2][:], o64[3][:], []float64{c.x})
			a.v32(o32[0][:], o32[1][:], o32[2][:], o32[3][:], []float32{float32(c.x)})
			for k, w := range c.want {
				name := fmt.Sprintf("%s %s(%v) %s", impl, a.name, c.x, outNames[k])
				if math.IsNaN(w) {
					require.True(t, math.IsNaN(o64[k][0]), name)
					require.True(t, math.IsNaN(float64(o32[k][0])), name)
					continue
				}
				require.Equal(t, w, o64[k][0], name)
				require.Equal(t, float32(w), o32[k][0], name)
			}
		}
		// NaN in, NaN out, everywhere.
		for _, a := range acts {
			var o64 [4][1]float64
			var o32 [4][1]float32
			a.v64(o64[0][:], o64[1][:], o64[2][:], o64[3][:], []float64{nan})
			a.v32(o32[0][:], o32[1][:], o32[2][:], o32[3][:], []float32{float32(nan)})
			for k := range 4 {
				require.True(t, math.IsNaN(o64[k][0]), "%s %s(NaN) %s", impl, a.name, outNames[k])
				require.True(t, math.IsNaN(float64(o32[k][0])), "%s %s(NaN) %s", impl, a.name, outNames[k])
			}
		}
	}
}

// same reports whether a and b are the same float64 (NaN equals NaN).
func same[T float32 | float64](a, b T) bool {
	return a == b || (a != a && b != b)
}

// mixed returns n inputs of all kinds (small, moderate, huge, special).
func mixed(rnd *rand.Rand, n int) []float64 {
	sp := specials()
	xs := make([]float64, n)
	for i := range xs {
		switch rnd.IntN(4) {
		case 0:
			xs[i] = sp[rnd.IntN(len(sp))]
		case 1:
			xs[i] = (rnd.Float64() - 0.5) * 1600
		default:
			xs[i] = (rnd.Float64() - 0.5) * 16
		}
	}
	return xs
}

// TestLengthsAndTails checks all lengths 0…70 for each implementation: the
// results equal those of one-element calls bit for bit (no dependence on
// the position), lie within the bound, and nothing past len(x) is written.
func TestLengthsAndTails(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	const pad, sentinel = 9, -12345.5
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			for n := 0; n <= 70; n++ {
				x := mixed(rnd, n)
				x32 := to32(x)
				var o64 [4][]float64
				var o32 [4][]float32
				for k := range 4 {
					o64[k] = make([]float64, n+pad)
					o32[k] = make([]float32, n+pad)
					for i := range o64[k] {
						o64[k][i], o32[k][i] = sentinel, sentinel
					}
				}
				a.v64(o64[0], o64[1], o64[2], o64[3], x)
				a.v32(o32[0], o32[1], o32[2], o32[3], x32)
				var st64, st32 [4]errStat
				for i := range n {
					var one64 [4][1]float64
					var one32 [4][1]float32
					a.v64(one64[0][:], one64[1][:], one64[2][:], one64[3][:], x[i:i+1])
					a.v32(one32[0][:], one32[1][:], one32[2][:], one32[3][:], x32[i:i+1])
					ref, r32 := refOf(a, x[i]), refOf(a, float64(x32[i]))
					mu, terms := a.scale(x[i], p64.tiny)
					mu32, terms32 := a.scale(float64(x32[i]), p32.tiny)
					for k := range 4 {
						if !same(o64[k][i], one64[k][0]) || !same(o32[k][i], one32[k][0]) {
							t.Fatalf("%s %s n=%d i=%d %s: batched result differs from a one-element call",
								impl, a.name, n, i, outNames[k])
						}
						st64[k].add(p64, x[i], o64[k][i], ref[k], mu[k], terms[k])
						st32[k].add(p32, float64(x32[i]), float64(o32[k][i]), float64(float32(r32[k])), mu32[k], terms32[k])
					}
				}
				for k := range 4 {
					require.Zero(t, st64[k].bad, "%s %s n=%d %s: %s", impl, a.name, n, outNames[k], st64[k].firstBad)
					require.Zero(t, st32[k].bad, "%s %s n=%d %s: %s", impl, a.name, n, outNames[k], st32[k].firstBad)
					for i := n; i < n+pad; i++ {
						require.Equal(t, sentinel, o64[k][i], "%s %s n=%d: wrote past len(x)", impl, a.name, n)
						require.Equal(t, float32(sentinel), o32[k][i], "%s %s n=%d: wrote past len(x)", impl, a.name, n)
					}
				}
			}
		}
	}
}

// TestNilOutputs checks all 16 combinations of nil outputs: the others are
// the same as with all four requested, the nil ones are not touched.
func TestNilOutputs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			for _, n := range []int{1, 3, 4, 8, 13, 37} {
				x := mixed(rnd, n)
				x32 := to32(x)
				all64, all32 := newOutputs(n, 0b1111)
				a.v64(all64[0], all64[1], all64[2], all64[3], x)
				a.v32(all32[0], all32[1], all32[2], all32[3], x32)
				for mask := range 16 {
					o64, o32 := newOutputs(n, mask)
					a.v64(o64[0], o64[1], o64[2], o64[3], x)
					a.v32(o32[0], o32[1], o32[2], o32[3], x32)
					for k := range 4 {
						if o64[k] == nil {
							continue
						}
						for i := range n {
							if !same(o64[k][i], all64[k][i]) || !same(o32[k][i], all32[k][i]) {
								t.Fatalf("%s %s mask=%04b n=%d %s[%d]: differs from the all-outputs call",
									impl, a.name, mask, n, outNames[k], i)
							}
						}
					}
				}
			}
		}
	}
}

// to32 returns x rounded to float32.
func to32(x []float64) []float32 {
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	return x32
}

// newOutputs returns the four outputs (f, d1, d2, d3) of n elements in each
// precision, where bit k of mask is set, and nil ones elsewhere.
func newOutputs(n, mask int) (o64 [4][]float64, o32 [4][]float32) {
	for k := range 4 {
		if mask&(1<<k) != 0 {
			o64[k], o32[k] = make([]float64, n), make([]float32, n)
		}
	}
	return o64, o32
}

// TestAliasing checks that x may be the same slice as any one output.
func TestAliasing(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			for _, n := range []int{5, 16, 35} {
				x := mixed(rnd, n)
				x32 := to32(x)
				want64, want32 := newOutputs(n, 0b1111)
				a.v64(want64[0], want64[1], want64[2], want64[3], x)
				a.v32(want32[0], want32[1], want32[2], want32[3], x32)
				for k := range 4 {
					o64, o32 := newOutputs(n, 0b1111)
					copy(o64[k], x)
					copy(o32[k], x32)
					a.v64(o64[0], o64[1], o64[2], o64[3], o64[k])
					a.v32(o32[0], o32[1], o32[2], o32[3], o32[k])
					for j := range 4 {
						for i := range n {
							if !same(o64[j][i], want64[j][i]) || !same(o32[j][i], want32[j][i]) {
								t.Fatalf("%s %s: x aliased to %s: %s[%d] differs", impl, a.name, outNames[k], outNames[j], i)
							}
						}
					}
				}
			}
		}
	}
}

// TestShortOutputPanics checks that an output shorter than x panics before
// anything is written, and that empty input is fine with nil outputs.
func TestShortOutputPanics(t *testing.T) {
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			x := []float64{1, 2, 3}
			f := []float64{7, 7, 7}
			require.Panics(t, func() { a.v64(f, nil, nil, make([]float64, 2), x) })
			require.Equal(t, []float64{7, 7, 7}, f)
			require.Panics(t, func() { a.v32(nil, make([]float32, 2), nil, nil, []float32{1, 2, 3}) })
			require.NotPanics(t, func() { a.v64(nil, nil, nil, nil, nil) })
			require.NotPanics(t, func() { a.v32(nil, nil, nil, nil, []float32{}) })
			require.NotPanics(t, func() { a.v64(nil, nil, nil, nil, x) })
		}
	}
}

// TestNoAllocs checks that no function allocates, with tails and nil
// outputs.
func TestNoAllocs(t *testing.T) {
	const n = 1003
	x, f, d, e := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	x32, f32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float64(i)/50 - 10
		x32[i] = float32(x[i])
	}
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			allocs := testing.AllocsPerRun(20, func() {
				a.v64(f, d, e, nil, x)
				a.v64(nil, nil, nil, d, x[:7])
				a.v32(f32, d32, nil, d32, x32)
				a.v32(f32, nil, nil, nil, x32[:5])
			})
			require.Zero(t, allocs, "%s %s", impl, a.name)
		}
	}
}

// TestConcurrent runs every function from several goroutines at once on
// shared input and distinct outputs (run with -race): the results equal
// those of a serial call.
func TestConcurrent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 16))
	x := mixed(rnd, 1001)
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	for _, impl := range impls() {
		use(t, impl)
		for _, a := range acts {
			want64, want32 := make([]float64, len(x)), make([]float32, len(x))
			a.v64(nil, nil, nil, want64, x)
			a.v32(nil, nil, nil, want32, x32)
			var wg sync.WaitGroup
			errs := make([]bool, 8)
			for g := range errs {
				wg.Go(func() {
					o64, o32 := make([]float64, len(x)), make([]float32, len(x))
					for range 5 {
						a.v64(nil, nil, nil, o64, x)
						a.v32(nil, nil, nil, o32, x32)
						for i := range x {
							if !same(o64[i], want64[i]) || !same(o32[i], want32[i]) {
								errs[g] = true
							}
						}
					}
				})
			}
			wg.Wait()
			for g, bad := range errs {
				require.False(t, bad, "%s %s goroutine %d", impl, a.name, g)
			}
		}
	}
}

// TestBelowNormal pins the treatment of the range below the smallest
// normal: outputs whose value is below it are +0 (the reference's are
// subnormal there), outputs proportional to a subnormal e = exp(−|x|) keep
// their normal values (float64 swish at −709.5: x·e), and subnormal inputs
// give exactly the outputs of +0.
func TestBelowNormal(t *testing.T) {
	for _, impl := range impls() {
		use(t, impl)
		for _, c := range []struct {
			a    int
			x    float32
			want [4]float32
		}{
			{0, -95, [4]float32{0, 0, 0, 0}},
			{0, 95, [4]float32{95, 1, 0, 0}},
			{1, 50, [4]float32{50 - math.Ln2, 1, 0, 0}},
			{2, -50, [4]float32{-1, 0, 0, 0}},
			{3, -95, [4]float32{0, 0, 0, 0}},
			{4, -95, [4]float32{0, 0, 0, 0}},
		} {
			a := acts[c.a]
			var o [4][1]float32
			a.v32(o[0][:], o[1][:], o[2][:], o[3][:], []float32{c.x})
			for k := range 4 {
				require.Equal(t, math.Float32bits(c.want[k]), math.Float32bits(o[k][0]),
					"%s %s32(%v) %s = %v", impl, a.name, c.x, outNames[k], o[k][0])
			}
		}
		var o [4][1]float64
		acts[0].v64(o[0][:], o[1][:], o[2][:], o[3][:], []float64{-720})
		require.Equal(t, [4][1]float64{}, o, "%s Softplus64(-720)", impl)
		for k := range 4 {
			require.False(t, math.Signbit(o[k][0]))
		}
		x := -709.5
		acts[4].v64(o[0][:], o[1][:], o[2][:], o[3][:], []float64{x})
		ref := refOf(acts[4], x)
		for k := range 4 {
			require.InEpsilon(t, ref[k], o[k][0], 1e-12, "%s Swish64(%v) %s", impl, x, outNames[k])
		}
		for _, a := range acts {
			var z64, s64 [4][1]float64
			a.v64(z64[0][:], z64[1][:], z64[2][:], z64[3][:], []float64{0})
			for _, x := range []float64{5e-324, -5e-324, 1e-310, -2e-308} {
				a.v64(s64[0][:], s64[1][:], s64[2][:], s64[3][:], []float64{x})
				for k := range 4 {
					require.Equal(t, math.Float64bits(z64[k][0]), math.Float64bits(s64[k][0]),
						"%s %s64(%v) %s", impl, a.name, x, outNames[k])
				}
			}
			var z32, s32 [4][1]float32
			a.v32(z32[0][:], z32[1][:], z32[2][:], z32[3][:], []float32{0})
			for _, x := range []float32{1e-45, -1e-45, 1e-40, -1.1e-38} {
				a.v32(s32[0][:], s32[1][:], s32[2][:], s32[3][:], []float32{x})
				for k := range 4 {
					require.Equal(t, math.Float32bits(z32[k][0]), math.Float32bits(s32[k][0]),
						"%s %s32(%v) %s", impl, a.name, x, outNames[k])
				}
			}
		}
	}
}
