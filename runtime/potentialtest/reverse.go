package potentialtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime"
)

// checkDefer checks that Reverse with deferred gradient terms followed by
// FlushGrad equals Reverse without deferral.
func checkDefer(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	d, ok := m.(runtime.GradDeferrer)
	if !ok {
		t.Skip("the potential does not implement runtime.GradDeferrer")
	}
	D, P := m.Dim(), m.NumParams()
	const B = 3
	ws := m.NewWorkspace(B)
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	dx, want := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx, want, x, c, u, s)
	m.Reverse(ws, dx, want, x, c, u, s)
	got := make([]float64, P)
	d.DeferGrad(ws, true)
	m.Reverse(ws, dx, got, x, c, u, s)
	m.Reverse(ws, dx, got, x, c, u, s)
	d.FlushGrad(ws, got)
	d.DeferGrad(ws, false)
	tol := tolFor(m, 1e-12, 1e-5)
	requireClose(t, got, want, tol, "deferred ∂G/∂θ[%d] = %v, want %v")
}

// checkSaver checks, for a runtime.Saver, that LaplacianSave gives what
// Laplacian gives, that ReverseSaved with its save gives what Reverse gives
// (in chunks of two, so that every chunk finds its own rows), that
// ReverseSaved really reads save, and that the workspace forgets save
// afterwards.
func checkSaver(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	sv, ok := m.(runtime.Saver)
	if !ok {
		t.Skip("the potential has no dense layer of the input to keep (or averages a symmetry orbit)")
	}
	D, P := m.Dim(), m.NumParams()
	const B = 5
	ws := m.(runtime.Chunker).NewWorkspaceChunks(B, 2, 2)
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	save := make([]float64, B*sv.SaveSize())
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	phiS, gradS, lapS := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Laplacian(ws, phi, grad, lap, x)
	sv.LaplacianSave(ws, phiS, gradS, lapS, x, save)
	tol := tolFor(m, 1e-12, 1e-5)
	same := func(what string, got, want []float64) {
		t.Helper()
		if i := firstDiff(got, want, tol); i >= 0 {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
	same("LaplacianSave φ", phiS, phi)
	same("LaplacianSave ∇φ", gradS, grad)
	same("LaplacianSave Δφ", lapS, lap)
	if allZeroVec(save) {
		t.Fatal("LaplacianSave left save zero")
	}
	dx, dth := make([]float64, B*D), make([]float64, P)
	dxS, dthS := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx, dth, x, c, u, s)
	sv.ReverseSaved(ws, dxS, dthS, x, c, u, s, save)
	same("ReverseSaved ∂G/∂x", dxS, dx)
	same("ReverseSaved ∂G/∂θ", dthS, dth)
	// A perturbed save must change the result: ReverseSaved reads it.
	for i := range save {
		save[i] += 0.5
	}
	dxP, dthP := make([]float64, B*D), make([]float64, P)
	sv.ReverseSaved(ws, dxP, dthP, x, c, u, s, save)
	differs := false
	for i := range dxP {
		differs = differs || math.Abs(dxP[i]-dx[i]) > 1e-6*(1+math.Abs(dx[i]))
	}
	if !differs {
		t.Error("ReverseSaved ignores save")
	}
	// Afterwards the workspace computes everything again.
	dx2, dth2 := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx2, dth2, x, c, u, s)
	same("Reverse after ReverseSaved ∂G/∂x", dx2, dx)
}
