package potentialtest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
)

// checkBatch checks that a batch spanning several chunks gives the numbers
// of single-sample calls (five samples in chunks of two: three chunks, the
// last one short), and so does one chunk of seventeen samples, where a
// layer that works on tiles of samples within a chunk (the orbit-factored
// reverse sweep's R̄, a few samples at a time) has full and short tiles.
func checkBatch(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	ch, ok := m.(runtime.Chunker)
	if !ok {
		t.Fatalf("%T does not implement runtime.Chunker", m)
	}
	for _, c := range []struct{ B, chunk int }{{5, 2}, {17, 17}} {
		checkBatchChunks(t, m, ch.NewWorkspaceChunks(c.B, c.chunk, c.chunk), c.B, rng)
	}
}

// checkBatchChunks runs checkBatch's comparison for a batch of B samples on
// the workspace wsB.
func checkBatchChunks(t *testing.T, m runtime.Potential, wsB runtime.Workspace, B int, rng *rand.Rand) {
	D, P := m.Dim(), m.NumParams()
	ws1 := m.NewWorkspace(1)
	x := randVec(rng, B*D, 1)
	u := randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Laplacian(wsB, phi, grad, lap, x)
	// The value-only methods chunk on their own.
	phiV, gradV, phiP := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Grad(wsB, phiV, gradV, x)
	m.Phi(wsB, phiP, x)
	dx, dth := make([]float64, B*D), make([]float64, P)
	m.Reverse(wsB, dx, dth, x, c, u, s)
	dth1 := make([]float64, P)
	tol := tolFor(m, 1e-12, 1e-5)
	for b := 0; b < B; b++ {
		p1, g1, l1 := []float64{0}, make([]float64, D), []float64{0}
		m.Laplacian(ws1, p1, g1, l1, x[b*D:(b+1)*D])
		if !scalar.EqualWithinAbsOrRel(phi[b], p1[0], tol, tol) || !scalar.EqualWithinAbsOrRel(lap[b], l1[0], tol, tol) {
			t.Fatalf("batch of %d, sample %d: (φ, Δφ) = (%v, %v), alone (%v, %v)", B, b, phi[b], lap[b], p1[0], l1[0])
		}
		if !scalar.EqualWithinAbsOrRel(phiV[b], p1[0], tol, tol) || !scalar.EqualWithinAbsOrRel(phiP[b], p1[0], tol, tol) {
			t.Fatalf("batch of %d, sample %d: φ from Grad %v and Phi %v, alone %v", B, b, phiV[b], phiP[b], p1[0])
		}
		for i := 0; i < D; i++ {
			if !scalar.EqualWithinAbsOrRel(gradV[b*D+i], g1[i], tol, tol) {
				t.Fatalf("batch of %d, sample %d: ∇φ from Grad differs from a single-sample call at %d: %v vs %v", B, b, i, gradV[b*D+i], g1[i])
			}
		}
		d1 := make([]float64, D)
		m.Reverse(ws1, d1, dth1, x[b*D:(b+1)*D], c[b:b+1], u[b*D:(b+1)*D], s[b:b+1])
		for i := range d1 {
			if !scalar.EqualWithinAbsOrRel(dx[b*D+i], d1[i], tol, tol) || !scalar.EqualWithinAbsOrRel(grad[b*D+i], g1[i], tol, tol) {
				t.Fatalf("batch of %d, sample %d: ∇φ or ∂G/∂x differs from a single-sample call at %d", B, b, i)
			}
		}
	}
	// Summing Σ_b ∂G_b/∂θ in another order: a few ulps of the largest term.
	thTol := tolFor(m, 1e-9, 1e-4)
	requireClose(t, dth, dth1, thTol, fmt.Sprintf("batch of %d: ∂G/∂θ[%%d] = %%v, sum of single-sample calls %%v", B))
}

// checkWithoutPhi checks that leaving out φ (Grad, Laplacian and
// Hutchinson with phi nil) or c (Reverse and ReverseHutchinson with c nil),
// which lets a model skip σ where only φ needs it, changes none of the
// other results: they equal those of calls with phi, and with c = 0; and
// that Phi right after such a call gives φ. Calls alternate on one
// workspace, so a value left behind by one kind of call would show in the
// next.
func checkWithoutPhi(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P := m.Dim(), m.NumParams()
	const B = 3
	ws := m.NewWorkspace(B)
	x, u, s := randVec(rng, B*D, 1), randVec(rng, B*D, 1), randVec(rng, B, 1)
	zero := make([]float64, B)
	for round := 0; round < 2; round++ {
		phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
		m.Laplacian(ws, phi, grad, lap, x)
		grad0, lap0 := make([]float64, B*D), make([]float64, B)
		m.Laplacian(ws, nil, grad0, lap0, x)
		dx, dth := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx, dth, x, zero, u, s)
		dx0, dth0 := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx0, dth0, x, nil, u, s)
		// the same for Grad, Hutchinson and ReverseHutchinson, and Phi
		// right after a call without φ
		gphi, ggrad, ggrad0 := make([]float64, B), make([]float64, B*D), make([]float64, B*D)
		m.Grad(ws, gphi, ggrad, x)
		m.Grad(ws, nil, ggrad0, x)
		phiAfter := make([]float64, B)
		m.Phi(ws, phiAfter, x)
		probes := make([]float64, B*m.Probes()*D)
		for i := range probes {
			probes[i] = float64(rng.IntN(2)*2 - 1)
		}
		hphi, hgrad, hlap := make([]float64, B), make([]float64, B*D), make([]float64, B)
		m.Hutchinson(ws, hphi, hgrad, hlap, x, probes)
		hgrad0, hlap0 := make([]float64, B*D), make([]float64, B)
		m.Hutchinson(ws, nil, hgrad0, hlap0, x, probes)
		hdx, hdth := make([]float64, B*D), make([]float64, P)
		m.ReverseHutchinson(ws, hdx, hdth, x, zero, u, s, probes)
		hdx0, hdth0 := make([]float64, B*D), make([]float64, P)
		m.ReverseHutchinson(ws, hdx0, hdth0, x, nil, u, s, probes)
		for _, c := range []struct {
			what      string
			got, want []float64
		}{{"∇φ without φ", grad0, grad}, {"Δφ without φ", lap0, lap}, {"∂G/∂x with c = nil", dx0, dx}, {"∂G/∂θ with c = nil", dth0, dth},
			{"Grad's ∇φ without φ", ggrad0, ggrad}, {"Grad's φ", gphi, phi}, {"Phi after Grad without φ", phiAfter, phi},
			{"Hutchinson's ∇φ without φ", hgrad0, hgrad}, {"Hutchinson's estimate without φ", hlap0, hlap}, {"Hutchinson's φ", hphi, phi},
			{"ReverseHutchinson's ∂G/∂x with c = nil", hdx0, hdx}, {"ReverseHutchinson's ∂G/∂θ with c = nil", hdth0, hdth}} {
			if i := firstDiff(c.got, c.want, 1e-14); i >= 0 {
				t.Fatalf("%s: [%d] = %v, want %v", c.what, i, c.got[i], c.want[i])
			}
		}
	}
}
