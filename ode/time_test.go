package ode_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
)

// TestGradientFDTime: the adjoint of a time-dependent flow (concatenated
// time, gates, Fourier features) matches central differences of the whole
// loss in θ (the time parameters included) and x(0), in both directions,
// for every tableau, and both memory modes agree bit for bit.
func TestGradientFDTime(t *testing.T) {
	checkGradientFD(t, tinyTimeSpec, 0)
}

// driftPotential is φ(x, t) = ½·a·|x − c·t·1|² with θ = (a, c): ∇φ =
// a·(x − c·t), Δφ = D·a. Its flow dx/dt = a·(x − c·t) has the closed form
// x(t) = (x₀ − c/a)·e^{at} + c·t + c/a, and d ln p/dt = −D·a. The drift
// c·t makes the flow not reversible in time: evaluating stages at the
// wrong times, in either direction, misses the closed form.
type driftPotential struct {
	theta []float64
	D     int
	prog  *ir.Program
}

type driftWS struct {
	max int
	t   float64
}

func (w *driftWS) MaxBatch() int { return w.max }

func newDrift(D int, a, c float64) *driftPotential {
	return &driftPotential{theta: []float64{a, c}, D: D, prog: &ir.Program{TimeName: "t", Nodes: []*ir.Node{{Op: ir.OpInput, Shape: ir.Vec(D)}}}}
}

func (p *driftPotential) Name() string                            { return "drift" }
func (p *driftPotential) Dim() int                                { return p.D }
func (p *driftPotential) NumParams() int                          { return 2 }
func (p *driftPotential) Params() []float64                       { return p.theta }
func (p *driftPotential) Sync()                                   {}
func (p *driftPotential) Program() *ir.Program                    { return p.prog }
func (p *driftPotential) Probes() int                             { return 1 }
func (p *driftPotential) NewWorkspace(n int) runtime.Workspace    { return &driftWS{max: n} }
func (p *driftPotential) SetTime(ws runtime.Workspace, t float64) { ws.(*driftWS).t = t }

func (p *driftPotential) Phi(ws runtime.Workspace, phi, x []float64) {
	p.Laplacian(ws, phi, nil, make([]float64, len(phi)), x)
}

func (p *driftPotential) Grad(ws runtime.Workspace, phi, grad, x []float64) {
	p.Laplacian(ws, phi, grad, make([]float64, len(x)/p.D), x)
}

func (p *driftPotential) Laplacian(ws runtime.Workspace, phi, grad, lap, x []float64) {
	a, ct := p.theta[0], p.theta[1]*ws.(*driftWS).t
	for b := range lap {
		var s float64
		for i := 0; i < p.D; i++ {
			d := x[b*p.D+i] - ct
			s += d * d
			if grad != nil {
				grad[b*p.D+i] = a * d
			}
		}
		if phi != nil {
			phi[b] = 0.5 * a * s
		}
		lap[b] = float64(p.D) * a
	}
}

// Reverse: G = c·φ + uᵀ∇φ + s·Δφ; ∂G/∂x = c·a·(x − ct) + a·u,
// ∂G/∂a = c·½|x − ct|² + uᵀ(x − ct) + s·D, ∂G/∂c = −t·a·Σ(c·(x − ct) + u).
func (p *driftPotential) Reverse(ws runtime.Workspace, dx, dtheta, x, c, u, s []float64) {
	tm := ws.(*driftWS).t
	a, ct := p.theta[0], p.theta[1]*tm
	for b := 0; b < len(x)/p.D; b++ {
		var cb, sb float64
		if c != nil {
			cb = c[b]
		}
		if s != nil {
			sb = s[b]
		}
		var half, ud, sum float64
		for i := 0; i < p.D; i++ {
			d, ui := x[b*p.D+i]-ct, u[b*p.D+i]
			dx[b*p.D+i] = cb*a*d + a*ui
			half += 0.5 * d * d
			ud += ui * d
			sum += cb*d + ui
		}
		dtheta[0] += cb*half + ud + sb*float64(p.D)
		dtheta[1] += -tm * a * sum
	}
}

func (p *driftPotential) Hutchinson(ws runtime.Workspace, phi, grad, lap, x, probes []float64) {
	p.Laplacian(ws, phi, grad, lap, x)
}

func (p *driftPotential) ReverseHutchinson(ws runtime.Workspace, dx, dtheta, x, c, u, s, probes []float64) {
	p.Reverse(ws, dx, dtheta, x, c, u, s)
}

// TestTimeClosedForm: sampling reaches the closed-form x(T) and ln p(T),
// the density direction (t from T back to 0) returns to x(0) and the
// accumulated Δφ, and so does a round trip.
func TestTimeClosedForm(t *testing.T) {
	const D, B = 3, 2
	const a, c = 0.7, 1.3
	const steps, dt = 40, 0.05
	T := steps * dt
	pot := newDrift(D, a, c)
	rng := rand.New(rand.NewPCG(9, 9))
	x0 := normals(rng, B*D)
	want := make([]float64, B*D)
	for i, v := range x0 {
		want[i] = (v-c/a)*math.Exp(a*T) + c*T + c/a
	}
	for _, tab := range []*ode.Tableau{ode.RK4, ode.Midpoint} {
		it, err := ode.New(pot, ode.Config{Tableau: tab, Steps: steps, Dt: dt, MaxBatch: B})
		require.NoError(t, err)
		// RK4 with h = 0.05 over T = 2: global error ~h⁴·e^{aT} ≈ 1e-5·|x|;
		// the midpoint method's is ~h²: 1e-2.
		tol := 1e-5
		if tab == ode.Midpoint {
			tol = 1e-2
		}
		x := append([]float64(nil), x0...)
		acc := make([]float64, B)
		it.Run(x, acc, +1, false, 0)
		near(t, tab.Name+" sampled x(T)", x, want, tol)
		for b := range acc {
			require.InDelta(t, -float64(D)*a*T, acc[b], 1e-9, "%s: ln p(T) − ln p(0)", tab.Name)
		}
		// The density direction from the closed-form x(T).
		z := append([]float64(nil), want...)
		back := make([]float64, B)
		it.Run(z, back, -1, false, 0)
		near(t, tab.Name+" density x(0)", z, x0, tol)
		// Round trip: sampling then density closes to the integrator's
		// accuracy.
		it.Run(x, back, -1, false, 0)
		near(t, tab.Name+" round trip", x, x0, tol)
	}
}

// TestStageTime: the stage times of RK4 in both directions.
func TestStageTime(t *testing.T) {
	cfg := ode.Config{Tableau: ode.RK4, Steps: 10, Dt: 0.1}
	require.InDelta(t, 0.0, cfg.StageTime(+1, 0, 0), 1e-15)
	require.InDelta(t, 0.35, cfg.StageTime(+1, 3, 1), 1e-15)
	require.InDelta(t, 0.4, cfg.StageTime(+1, 3, 3), 1e-15)
	require.InDelta(t, 1.0, cfg.StageTime(-1, 0, 0), 1e-15)
	require.InDelta(t, 0.65, cfg.StageTime(-1, 3, 1), 1e-15)
	require.InDelta(t, 0.6, cfg.StageTime(-1, 3, 3), 1e-15)
}
