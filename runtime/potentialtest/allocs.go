package potentialtest

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime"
)

func checkAllocs(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	B := 2
	ws := m.NewWorkspace(B)
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	probes := randVec(rng, B*K*D, 1)
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	c, s := make([]float64, B), make([]float64, B)
	dx, dth := make([]float64, B*D), make([]float64, P)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Phi", func() { m.Phi(ws, phi, x) }},
		{"Grad", func() { m.Grad(ws, phi, grad, x) }},
		{"Laplacian", func() { m.Laplacian(ws, phi, grad, lap, x) }},
		{"Hutchinson", func() { m.Hutchinson(ws, phi, grad, lap, x, probes) }},
		{"Reverse", func() { m.Reverse(ws, dx, dth, x, c, u, s) }},
		{"ReverseHutchinson", func() { m.ReverseHutchinson(ws, dx, dth, x, c, u, s, probes) }},
		{"Sync", m.Sync},
	} {
		if n := testing.AllocsPerRun(5, tc.f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", tc.name, n)
		}
	}
	if sv, ok := m.(runtime.Saver); ok {
		save := make([]float64, B*sv.SaveSize())
		if n := testing.AllocsPerRun(5, func() { sv.LaplacianSave(ws, phi, grad, lap, x, save) }); n != 0 {
			t.Errorf("LaplacianSave allocates %v times per call, want 0", n)
		}
		if n := testing.AllocsPerRun(5, func() { sv.ReverseSaved(ws, dx, dth, x, c, u, s, save) }); n != 0 {
			t.Errorf("ReverseSaved allocates %v times per call, want 0", n)
		}
	}
}
