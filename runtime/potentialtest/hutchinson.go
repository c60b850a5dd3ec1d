package potentialtest

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
)

// checkHutch compares the Hutchinson estimate with second differences of φ
// along its probes and its reverse mode with differences of G_H.
func checkHutch(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	ws := m.NewWorkspace(1)
	x := randVec(rng, D, 1)
	probes := make([]float64, K*D)
	for i := range probes {
		probes[i] = float64(2*rng.IntN(2) - 1)
	}
	lap := []float64{0}
	m.Hutchinson(ws, nil, nil, lap, x, probes)
	exact := []float64{0}
	m.Laplacian(ws, nil, nil, exact, x)
	// vᵀHv from the exact reverse mode: G = uᵀ∇φ with u = v gives
	// ∂G/∂x = H·v.
	var want float64
	dx, dth := make([]float64, D), make([]float64, P)
	for k := 0; k < K; k++ {
		v := probes[k*D : (k+1)*D]
		m.Reverse(ws, dx, dth, x, nil, v, nil)
		for i := range v {
			want += v[i] * dx[i]
		}
	}
	want /= float64(K)
	tol := tolFor(m, 1e-9, refTol32)
	if !scalar.EqualWithinAbsOrRel(lap[0], want, tol, tol) {
		t.Errorf("Hutchinson = %v, want (1/P)Σ vᵀHv = %v", lap[0], want)
	}
	if is32(m) {
		return
	}
	c, s := rng.NormFloat64(), rng.NormFloat64()
	u := randVec(rng, D, 1)
	G := func(y []float64) float64 {
		ph, gr, lp := []float64{0}, make([]float64, D), []float64{0}
		m.Hutchinson(ws, ph, gr, lp, y, probes)
		g := c*ph[0] + s*lp[0]
		for i := range u {
			g += u[i] * gr[i]
		}
		return g
	}
	clear(dth)
	m.ReverseHutchinson(ws, dx, dth, x, []float64{c}, u, []float64{s}, probes)
	checkDirectional(t, "ReverseHutchinson", m, rng, x, G, dx, dth)
}
