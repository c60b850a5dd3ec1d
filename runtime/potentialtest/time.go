package potentialtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// checkTimes returns the times the suite runs a time-dependent model at:
// the start, an inner point and the end of its flow's time range.
func checkTimes(p *ir.Program) []float64 {
	T := p.Flow.Time()
	return []float64{0, 0.37 * T, T}
}

// timed is a time-dependent potential whose new workspaces start at a
// fixed time; the suite's checks then test φ(·, t) as they test φ.
type timed struct {
	runtime.Potential
	t float64
}

// timedSaver is timed for a potential that implements runtime.Saver.
type timedSaver struct {
	timed
	runtime.Saver
}

// atTime returns m with every new workspace at time tm. m must implement
// runtime.Chunker and runtime.GradDeferrer (as generated models do).
func atTime(m runtime.Potential, tm float64) runtime.Potential {
	w := timed{m, tm}
	if s, ok := m.(runtime.Saver); ok {
		return timedSaver{w, s}
	}
	return w
}

func (m timed) NewWorkspace(maxBatch int) runtime.Workspace {
	ws := m.Potential.NewWorkspace(maxBatch)
	runtime.SetTime(m.Potential, ws, m.t)
	return ws
}

func (m timed) NewWorkspaceChunks(maxBatch, chunk, valueChunk int) runtime.Workspace {
	ws := m.Potential.(runtime.Chunker).NewWorkspaceChunks(maxBatch, chunk, valueChunk)
	runtime.SetTime(m.Potential, ws, m.t)
	return ws
}

func (m timed) SetTime(ws runtime.Workspace, t float64) { runtime.SetTime(m.Potential, ws, t) }

func (m timed) DeferGrad(ws runtime.Workspace, on bool) {
	m.Potential.(runtime.GradDeferrer).DeferGrad(ws, on)
}

func (m timed) FlushGrad(ws runtime.Workspace, dtheta []float64) {
	m.Potential.(runtime.GradDeferrer).FlushGrad(ws, dtheta)
}

// checkTime checks what is particular to time: φ changes with t as the
// reference evaluator says; one workspace switched between times and two
// workspaces at different times, used alternately, give the numbers of a
// workspace that stays at each time; the reverse mode's time parameters
// follow Sync; and the time does not leak between workspaces.
func checkTime(t *testing.T, m runtime.Potential) {
	prog := m.Program()
	D, P := m.Dim(), m.NumParams()
	rng := rand.New(rand.NewPCG(13, 17))
	times := checkTimes(prog)
	const B = 2
	x := randVec(rng, B*D, 1)
	c, s, u := randVec(rng, B, 1), randVec(rng, B, 1), randVec(rng, B*D, 1)
	tol := tolFor(m, refTol64, refTol32)
	type result struct{ phi, grad, lap, dx, dth []float64 }
	eval := func(ws runtime.Workspace) result {
		r := result{make([]float64, B), make([]float64, B*D), make([]float64, B), make([]float64, B*D), make([]float64, P)}
		m.Laplacian(ws, r.phi, r.grad, r.lap, x)
		m.Reverse(ws, r.dx, r.dth, x, c, u, s)
		return r
	}
	same := func(what string, got, want result) {
		t.Helper()
		for name, p := range map[string][2][]float64{"φ": {got.phi, want.phi}, "∇φ": {got.grad, want.grad}, "Δφ": {got.lap, want.lap}, "∂G/∂x": {got.dx, want.dx}, "∂G/∂θ": {got.dth, want.dth}} {
			if i := firstDiff(p[0], p[1], 1e-14); i >= 0 {
				t.Fatalf("%s: %s[%d] = %v, want %v", what, name, i, p[0][i], p[1][i])
			}
		}
	}
	fixed := make([]result, len(times))
	for i, tm := range times {
		ws := m.NewWorkspace(B)
		runtime.SetTime(m, ws, tm)
		fixed[i] = eval(ws)
	}
	// φ must depend on t, as the reference says.
	ref := refeval.New(prog)
	theta := m.Params()
	for i, tm := range times {
		ref.SetTime(tm)
		for b := 0; b < B; b++ {
			if want := ref.Phi(theta, x[b*D:(b+1)*D]); !scalar.EqualWithinAbsOrRel(fixed[i].phi[b], want, tol, tol) {
				t.Errorf("at t = %v: Phi(x_%d) = %v, want (reference) %v", tm, b, fixed[i].phi[b], want)
			}
		}
	}
	if math.Abs(fixed[0].phi[0]-fixed[len(times)-1].phi[0]) < 1e-9 {
		t.Errorf("φ(x, %v) = φ(x, %v) = %v: the time terms have no effect", times[0], times[len(times)-1], fixed[0].phi[0])
	}
	// One workspace moved between times, and two used alternately.
	ws := m.NewWorkspace(B)
	wa, wb := m.NewWorkspace(B), m.NewWorkspace(B)
	runtime.SetTime(m, wa, times[0])
	runtime.SetTime(m, wb, times[2])
	for round := 0; round < 2; round++ {
		for i := len(times) - 1; i >= 0; i-- {
			runtime.SetTime(m, ws, times[i])
			same("a workspace switched between times", eval(ws), fixed[i])
		}
		same("two workspaces at different times (first)", eval(wa), fixed[0])
		same("two workspaces at different times (second)", eval(wb), fixed[2])
	}
	// After a change of θ and Sync, every workspace forms θ′(t) anew.
	saved := append([]float64(nil), theta...)
	for i := range theta {
		theta[i] *= 1.01
	}
	m.Sync()
	moved := eval(wa)
	if moved.phi[0] == fixed[0].phi[0] {
		t.Errorf("φ unchanged after a change of θ and Sync: the workspace kept θ′ of the old θ")
	}
	copy(theta, saved)
	m.Sync()
	same("after restoring θ", eval(wa), fixed[0])
	checkTimeDefer(t, m, times, x, c, s, u)
	checkTimeFlow(t, m, rng)
}

// checkTimeFlow integrates the time-dependent flow: sampling then the
// density direction closes to the integrator's accuracy, and the adjoint
// matches central differences of the whole loss Σ w·x(T) + Σ a(T) along a
// random direction of θ, with both memory modes bit-identical.
func checkTimeFlow(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	if is32(m) {
		t.Log("flow checks skipped in float32")
		return
	}
	D, P := m.Dim(), m.NumParams()
	const B = 2
	T := m.Program().Flow.Time()
	steps := 8
	// Small inputs keep the flow of a random network tame.
	x0, wx := randVec(rng, B*D, 0.5), randVec(rng, B*D, 1)
	var grads [][]float64
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		it, err := ode.New(m, ode.Config{Tableau: ode.RK4, Steps: steps, Dt: T / float64(steps), MaxBatch: B, Memory: mem, Every: 3})
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			x := append([]float64(nil), x0...)
			a := make([]float64, B)
			it.Run(x, a, +1, false, 0)
			l := a[0] + a[1]
			for i := range x {
				l += wx[i] * x[i]
			}
			return l
		}
		x := append([]float64(nil), x0...)
		a := make([]float64, B)
		it.Run(x, a, +1, true, 0)
		xb := append([]float64(nil), wx...)
		g := make([]float64, P)
		it.Adjoint(xb, []float64{1, 1}, g)
		grads = append(grads, g)
		if mem != ode.Store {
			continue
		}
		z := append([]float64(nil), x...)
		it.Run(z, make([]float64, B), -1, false, 0)
		// RK4 forwards then backwards is not the exact identity: its
		// error is O(dt⁴) per unit time, far above rounding.
		if i := firstDiff(z, x0, 1e-3); i >= 0 {
			t.Errorf("round trip: x(0)[%d] = %v, back to %v", i, x0[i], z[i])
		}

		dir := randVec(rng, P, 1)
		theta := m.Params()
		saved := append([]float64(nil), theta...)
		shift := func(h float64) float64 {
			for i := range theta {
				theta[i] = saved[i] + h*dir[i]
			}
			m.Sync()
			return loss()
		}
		const h = 1e-6
		want := (shift(h) - shift(-h)) / (2 * h)
		copy(theta, saved)
		m.Sync()
		var got float64
		for i, v := range g {
			got += v * dir[i]
		}
		// Central differences of a loss of size O(10) with step 1e-6:
		// rounding ~1e-10/1e-6, truncation O(h²).
		if !scalar.EqualWithinAbsOrRel(got, want, 1e-5, 1e-5) {
			t.Errorf("adjoint ∂loss/∂θ·v = %v, want (central differences) %v", got, want)
		}
	}
	for i := range grads[0] {
		if math.Float64bits(grads[0][i]) != math.Float64bits(grads[1][i]) {
			t.Fatalf("store and recompute gradients differ at θ[%d]: %v, %v", i, grads[0][i], grads[1][i])
		}
	}
}
