// Package potentialtest is the test suite every generated model runs (in
// the style of gonum's testblas): a generated <model>.maf_test.go calls
// [Check] and [Bench], so fixing the suite fixes every model.
//
// Check compares every kernel of a [runtime.Potential] with
//   - the reference evaluator of the IR it was generated from (differential
//     test on random inputs and parameters),
//   - finite differences (∇φ against central differences of φ, Δφ against
//     gonum's fd.Laplacian, the reverse mode against central differences of
//     G = c·φ + uᵀ∇φ + s·Δφ in random directions, the Hutchinson estimate
//     against second differences along its probes),
//   - the declared symmetries (φ(g·x) = φ(x), ∇φ(g·x) = g·∇φ(x),
//     Δφ(g·x) = Δφ(x) for every generator g),
//
// checks that batches give the same numbers as single inputs across chunk
// boundaries, and that no hot method allocates.
//
// One file per check family: reference.go (the reference evaluator),
// finitediff.go (finite differences), hutchinson.go, batch.go (batches and
// calls without φ), reverse.go (deferred gradients, the saved first layer),
// symmetry.go, allocs.go, time.go (time-dependent potentials), bench.go
// ([Bench]) and refvec.go (the reference vectors of the paper's code).
package potentialtest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// Options tune Check. The zero value is right for generated tests.
type Options struct {
	// Samples is the number of random inputs compared with the reference
	// evaluator (default: as many as fit in about two seconds, 1 to 4).
	Samples int
}

// Tolerances. Every comparison uses scalar.EqualWithinAbsOrRel(got, want,
// tol, tol).
const (
	// refTol64 compares float64 kernels with the float64 reference
	// evaluator: both compute the same exact formulas, in different orders
	// (BLAS blocking, closed forms, receptive fields), so they agree to a
	// few hundred ulps.
	refTol64 = 1e-10
	// refTol32 compares float32 kernels with the float64 reference: about
	// 1e3·ε₃₂ for sums of hundreds of terms.
	refTol32 = 2e-3
	// gradTol compares ∇φ with central differences of φ (gonum's default
	// step 1e-6: truncation O(h²), rounding O(ε/h) ≈ 1e-10·|φ|).
	gradTol = 1e-6
	// lapTol compares Δφ with fd.Laplacian (Central2nd, step 1e-4:
	// O(h²)·φ'''' + O(ε/h²) per coordinate, summed over D coordinates).
	lapTol = 1e-5
	// revTol compares the reverse mode with central differences of G, which
	// already contains second derivatives (step 1e-5).
	revTol = 1e-5
	// symTol checks exact symmetries in float64.
	symTol = 1e-12
)

func is32(p runtime.Potential) bool { return p.Program().Precision == "float32" }

// Check runs the suite on model m. It modifies m's parameters (random
// perturbations) and leaves them perturbed. A time-dependent model
// (runtime.TimeDependent) runs the whole suite at several times, every
// workspace set to that time, and the time checks of checkTime.
func Check(t *testing.T, m runtime.Potential, opt Options) {
	if !runtime.IsTimeDependent(m) {
		check(t, m, opt, 0)
		return
	}
	for _, tm := range checkTimes(m.Program()) {
		t.Run(fmt.Sprintf("t=%g", tm), func(t *testing.T) { check(t, atTime(m, tm), opt, tm) })
	}
	t.Run("time", func(t *testing.T) { checkTime(t, m) })
}

// check runs the suite at the time tm of a time-dependent model (its
// workspaces are already at tm).
func check(t *testing.T, m runtime.Potential, opt Options, tm float64) {
	prog := m.Program()
	D := m.Dim()
	rng := rand.New(rand.NewPCG(7, 11))
	theta := m.Params()
	prog.InitParams(theta, 1)
	for i := range theta {
		theta[i] += 0.05 * rng.NormFloat64()
	}
	m.Sync()
	ref := refeval.New(prog)
	ref.SetTime(tm)
	tol := tolFor(m, refTol64, refTol32)

	// How many samples the reference can afford.
	samples := opt.Samples
	if samples == 0 {
		x := randVec(rng, D, 1)
		start := time.Now()
		ref.Eval(theta, x, make([]float64, D))
		el := time.Since(start)
		samples = max(1, min(4, int(2*time.Second/(3*el+1))))
	}
	B := samples
	x := randVec(rng, B*D, 1)
	ws := m.NewWorkspace(B)

	t.Run("reference", func(t *testing.T) { checkReference(t, m, ws, ref, theta, x, tol) })
	t.Run("reverse-reference", func(t *testing.T) { checkReverseReference(t, m, ws, ref, rng, theta, x, tol) })

	if !is32(m) {
		t.Run("finite-differences", func(t *testing.T) { checkFD(t, m, rng) })
	}
	t.Run("hutchinson", func(t *testing.T) { checkHutch(t, m, rng) })
	t.Run("batch", func(t *testing.T) { checkBatch(t, m, rng) })
	t.Run("deferred-gradient", func(t *testing.T) { checkDefer(t, m, rng) })
	t.Run("saved-first-layer", func(t *testing.T) { checkSaver(t, m, rng) })
	t.Run("reverse-laplacian", func(t *testing.T) { checkReverseLap(t, m, rng) })
	t.Run("without-phi", func(t *testing.T) { checkWithoutPhi(t, m, rng) })
	t.Run("symmetry", func(t *testing.T) { checkSymmetry(t, m, rng) })
	t.Run("flow-symmetry", func(t *testing.T) { checkFlowSymmetry(t, m, rng) })
	t.Run("allocs", func(t *testing.T) {
		if testing.Short() {
			t.Skip("allocation counts are skipped in -short")
		}
		checkAllocs(t, m, rng)
	})
}

func randVec(rng *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * rng.NormFloat64()
	}
	return v
}

// firstDiff returns the first index where got and want differ by more than
// tol (absolute or relative), or −1.
func firstDiff(got, want []float64, tol float64) int {
	for i := range got {
		if got[i] != want[i] && !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			return i
		}
	}
	return -1
}

func allZeroVec(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// methodCall is one method of a Potential, bound to the buffers of a
// methodBatch.
type methodCall struct {
	name string
	f    func()
}

// methodBatch is a workspace and the arguments of every method of a
// Potential for a batch of random points.
type methodBatch struct {
	ws                                 runtime.Workspace
	x, u, probes, phi, grad, lap, c, s []float64
	dx, dth                            []float64
}

// newMethodBatch draws a batch of B points (x, u and the probes, in that
// order, from rng) and allocates the outputs.
func newMethodBatch(m runtime.Potential, rng *rand.Rand, B int) *methodBatch {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	mb := &methodBatch{ws: m.NewWorkspace(B)}
	mb.x, mb.u = randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	mb.probes = randVec(rng, B*K*D, 1)
	mb.phi, mb.grad, mb.lap = make([]float64, B), make([]float64, B*D), make([]float64, B)
	mb.c, mb.s = make([]float64, B), make([]float64, B)
	mb.dx, mb.dth = make([]float64, B*D), make([]float64, P)
	return mb
}

// calls returns the forward methods (Phi, Grad, Laplacian, Hutchinson) and
// Reverse bound to mb, and with all also ReverseHutchinson and Sync.
func (mb *methodBatch) calls(m runtime.Potential, all bool) []methodCall {
	ws, x, u, probes, c, s := mb.ws, mb.x, mb.u, mb.probes, mb.c, mb.s
	phi, grad, lap, dx, dth := mb.phi, mb.grad, mb.lap, mb.dx, mb.dth
	calls := []methodCall{
		{"Phi", func() { m.Phi(ws, phi, x) }},
		{"Grad", func() { m.Grad(ws, phi, grad, x) }},
		{"Laplacian", func() { m.Laplacian(ws, phi, grad, lap, x) }},
		{"Hutchinson", func() { m.Hutchinson(ws, phi, grad, lap, x, probes) }},
		{"Reverse", func() { m.Reverse(ws, dx, dth, x, c, u, s) }},
	}
	if all {
		calls = append(calls,
			methodCall{"ReverseHutchinson", func() { m.ReverseHutchinson(ws, dx, dth, x, c, u, s, probes) }},
			methodCall{"Sync", m.Sync})
	}
	if sv, ok := m.(runtime.Saver); ok && all {
		save := make([]float64, len(phi)*sv.SaveSize())
		calls = append(calls,
			methodCall{"LaplacianSave", func() { sv.LaplacianSave(ws, phi, grad, lap, x, save) }},
			methodCall{"ReverseSaved", func() { sv.ReverseSaved(ws, dx, dth, x, c, u, s, save) }})
	}
	return calls
}

// tolFor returns tol64, or tol32 for a float32 potential.
func tolFor(m runtime.Potential, tol64, tol32 float64) float64 {
	if is32(m) {
		return tol32
	}
	return tol64
}

// requireClose stops the test at the first i where got[i] and want[i]
// differ by more than tol, absolutely and relatively; msg formats i,
// got[i] and want[i].
func requireClose(t *testing.T, got, want []float64, tol float64, msg string) {
	t.Helper()
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Fatalf(msg, i, got[i], want[i])
		}
	}
}
