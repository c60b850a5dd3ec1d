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

// checkReverseLap checks, for a runtime.DensityReverser, that ReverseLap
// writes the Δφ Laplacian writes and ReverseHutchinsonLap the estimate
// Hutchinson writes for the same probes (to rounding: the reverse modes
// may sum Δφ in another order), with c given and nil (where the reverse
// mode leaves φ's value out), in chunks of two; and that their dx and dθ
// are bitwise Reverse's and ReverseHutchinson's.
func checkReverseLap(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	dr, ok := m.(runtime.DensityReverser)
	if !ok {
		t.Skip("the potential does not implement runtime.DensityReverser")
	}
	D, P := m.Dim(), m.NumParams()
	const B = 5
	var ws runtime.Workspace
	if ch, ok := m.(runtime.Chunker); ok {
		ws = ch.NewWorkspaceChunks(B, 2, 2)
	} else {
		ws = m.NewWorkspace(B)
	}
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	probes := make([]float64, B*m.Probes()*D)
	for i := range probes {
		probes[i] = float64(rng.IntN(2)*2 - 1)
	}
	lap, hut := make([]float64, B), make([]float64, B)
	tol := tolFor(m, 1e-12, 1e-5)
	m.Laplacian(ws, nil, nil, lap, x)
	m.Hutchinson(ws, nil, nil, hut, x, probes)
	exact := func(what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Errorf("%s[%d] = %v, want %v bitwise", what, i, got[i], want[i])
				return
			}
		}
	}
	for _, cc := range [][]float64{c, nil} {
		dx, dth := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx, dth, x, cc, u, s)
		dxL, dthL, lapL := make([]float64, B*D), make([]float64, P), make([]float64, B)
		dr.ReverseLap(ws, dxL, dthL, lapL, x, cc, u, s)
		requireClose(t, lapL, lap, tol, "ReverseLap Δφ[%d] = %v, want %v")
		exact("ReverseLap ∂G/∂x", dxL, dx)
		exact("ReverseLap ∂G/∂θ", dthL, dth)
		clear(dx)
		clear(dth)
		m.ReverseHutchinson(ws, dx, dth, x, cc, u, s, probes)
		clear(dxL)
		clear(dthL)
		dr.ReverseHutchinsonLap(ws, dxL, dthL, lapL, x, cc, u, s, probes)
		requireClose(t, lapL, hut, tol, "ReverseHutchinsonLap Δ̂φ[%d] = %v, want %v")
		exact("ReverseHutchinsonLap ∂G/∂x", dxL, dx)
		exact("ReverseHutchinsonLap ∂G/∂θ", dthL, dth)
	}
}
