package potentialtest

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
)

func checkSymmetry(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	prog := m.Program()
	if len(prog.Exact()) == 0 {
		t.Skip("no exact symmetry declared")
	}
	D := m.Dim()
	ws := m.NewWorkspace(1)
	x := randVec(rng, D, 1)
	phi0, g0, l0 := []float64{0}, make([]float64, D), []float64{0}
	m.Laplacian(ws, phi0, g0, l0, x)
	tol := tolFor(m, symTol, 1e-5)
	for _, s := range prog.Exact() {
		for _, g := range ir.Generators(s.Group, prog.InputShape()) {
			gx := make([]float64, D)
			g.Apply(gx, x)
			phi1, g1, l1 := []float64{0}, make([]float64, D), []float64{0}
			m.Laplacian(ws, phi1, g1, l1, gx)
			if !scalar.EqualWithinAbsOrRel(phi1[0], phi0[0], tol, tol) {
				t.Errorf("%s (%s): φ(g·x) = %v, φ(x) = %v", s.Group, s.Strategy, phi1[0], phi0[0])
			}
			if !scalar.EqualWithinAbsOrRel(l1[0], l0[0], tol, tol) {
				t.Errorf("%s (%s): Δφ(g·x) = %v, Δφ(x) = %v", s.Group, s.Strategy, l1[0], l0[0])
			}
			gg := make([]float64, D)
			g.Apply(gg, g0)
			for i := range gg {
				if !scalar.EqualWithinAbsOrRel(g1[i], gg[i], tol, tol) {
					t.Fatalf("%s (%s): ∇φ(g·x)[%d] = %v, (g·∇φ(x))[%d] = %v", s.Group, s.Strategy, i, g1[i], i, gg[i])
				}
			}
		}
	}
}

// checkFlowSymmetry samples x from the flow and checks that the density
// direction gives ln p_T(g·x) = ln p_T(x) for every generator g: the flow of
// an invariant potential commutes with g, also after discretisation.
func checkFlowSymmetry(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	prog := m.Program()
	if len(prog.Exact()) == 0 {
		t.Skip("no exact symmetry declared")
	}
	D := m.Dim()
	const B = 2
	it, err := ode.New(m, ode.Config{Tableau: ode.RK4, Steps: 4, Dt: 0.1, MaxBatch: B})
	if err != nil {
		t.Fatal(err)
	}
	x := randVec(rng, B*D, 1)
	a := make([]float64, B)
	it.Run(x, a, +1, false, 0)
	nll := func(y []float64) []float64 {
		z := append([]float64(nil), y...)
		acc := make([]float64, B)
		it.Run(z, acc, -1, false, 0)
		for b := range acc {
			acc[b] -= ode.LogNormal(z[b*D : (b+1)*D])
		}
		return acc
	}
	want := nll(x)
	tol := tolFor(m, 1e-10, 1e-4)
	for _, s := range prog.Exact() {
		for _, g := range ir.Generators(s.Group, prog.InputShape()) {
			gx := make([]float64, B*D)
			for b := 0; b < B; b++ {
				g.Apply(gx[b*D:(b+1)*D], x[b*D:(b+1)*D])
			}
			got := nll(gx)
			for b := range got {
				if !scalar.EqualWithinAbsOrRel(got[b], want[b], tol, tol) {
					t.Errorf("%s (%s): −ln p_T(g·x_%d) = %v, −ln p_T(x_%d) = %v", s.Group, s.Strategy, b, got[b], b, want[b])
				}
			}
		}
	}
}
