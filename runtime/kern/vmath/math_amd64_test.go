//go:build amd64 && !noasm

package vmath

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExpLog1pAsm checks exp and log1p of the assembly (through the probe
// kernels) against the math/big reference: float64 exp to 0.6 ulp and
// log1p to 0.9 ulp, float32 to 1 float32 ulp (the measured maxima are
// logged).
func TestExpLog1pAsm(t *testing.T) {
	if !useAsm {
		t.Skip("no AVX2/FMA")
	}
	ys, xs := expArgs(3000), log1pArgs(3000)
	n := max(len(ys), len(xs)) &^ 7
	ys, xs = ys[:n], xs[:n]
	e, l, scratch := make([]float64, n), make([]float64, n), make([]float64, n)
	probe64AVX(&e[0], &scratch[0], &ys[0], n)
	probe64AVX(&scratch[0], &l[0], &xs[0], n)
	var we, wl, ate, atl float64
	for i := range n {
		if u := ulpErr(e[i], bigExpOf(ys[i]), false); u > we {
			we, ate = u, ys[i]
		}
		if u := ulpErr(l[i], bigLog1p(xs[i]), false); u > wl {
			wl, atl = u, xs[i]
		}
	}
	t.Logf("float64 exp: max %.3f ulp at %v; log1p: max %.3f ulp at %v", we, ate, wl, atl)
	require.LessOrEqual(t, we, 0.6)
	require.LessOrEqual(t, wl, 0.9)

	y32, x32 := make([]float32, n), make([]float32, n)
	e32, l32, scratch32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		y32[i], x32[i] = float32(ys[i]/8), float32(xs[i]) // exp arguments down to −93
	}
	probe32AVX(&e32[0], &scratch32[0], &y32[0], n)
	probe32AVX(&scratch32[0], &l32[0], &x32[0], n)
	we, wl = 0, 0
	for i := range n {
		if u := ulpErr(float64(e32[i]), bigExpOf(float64(y32[i])), true); u > we {
			we, ate = u, float64(y32[i])
		}
		if u := ulpErr(float64(l32[i]), bigLog1p(float64(x32[i])), true); u > wl {
			wl, atl = u, float64(x32[i])
		}
	}
	t.Logf("float32 exp: max %.3f ulp at %v; log1p: max %.3f ulp at %v", we, ate, wl, atl)
	require.LessOrEqual(t, we, 1.0)
	require.LessOrEqual(t, wl, 1.0)

	nan, inf := math.NaN(), math.Inf(1)
	in := []float64{nan, inf, -inf, -1e300, 0, 1e3, -1e3, nan}
	out, lo := make([]float64, 8), make([]float64, 8)
	probe64AVX(&out[0], &lo[0], &in[0], 8)
	require.True(t, math.IsNaN(out[0]) && math.IsNaN(lo[0]) && math.IsNaN(out[7]))
	require.Equal(t, []float64{0, 0, 0, 1, 0, 0}, out[1:7])
}
