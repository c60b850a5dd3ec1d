package potentialtest

import (
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
)

// checkTimeDefer checks that Reverse calls at several times with deferred
// gradient terms, then FlushGrad, add up to what the same calls add without
// deferral: the deferred part of a time-dependent model (the terms whose
// map back to θ does not depend on t) is summed over calls at different
// times, the rest must be mapped back at each call's own time.
func checkTimeDefer(t *testing.T, m runtime.Potential, times, x, c, s, u []float64) {
	d, ok := m.(runtime.GradDeferrer)
	if !ok {
		return
	}
	P := m.NumParams()
	B := len(c)
	dx := make([]float64, len(x))
	run := func(deferred bool) []float64 {
		ws := m.NewWorkspace(B)
		g := make([]float64, P)
		d.DeferGrad(ws, deferred)
		for _, i := range []int{2, 1, 1, 0, 2} {
			runtime.SetTime(m, ws, times[i])
			m.Reverse(ws, dx, g, x, c, u, s)
		}
		if deferred {
			d.FlushGrad(ws, g)
			d.DeferGrad(ws, false)
		}
		return g
	}
	want, got := run(false), run(true)
	tol := 1e-12
	if is32(m) {
		tol = 1e-5
	}
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Fatalf("Reverse at several times, deferred then flushed: ∂G/∂θ[%d] = %v, want (no deferral) %v", i, got[i], want[i])
		}
	}
}
