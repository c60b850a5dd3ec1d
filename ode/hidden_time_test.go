package ode_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/generated/ising16t"
	"github.com/mafc-dev/mafc/generated/mnistt"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// timeHiddenSpecs are small time-dependent one-hidden-layer potentials, one
// per way time enters: features concatenated to the hidden layer (a
// time-dependent bias), gated hidden units and output without shift
// (ising16_t's form, no biases), the concat-squash layer (bias, U, gate A,
// c and shift V) under a gated output, and a gate on the output alone.
var timeHiddenSpecs = []struct{ name, body string }{
	{"concat", `
  h = softplus(dense(x, 6, time = [t, fourier(t, 2)]))
  phi = dense(h, 1, bias = false)`},
	{"gated", `
  h = lncosh(gate(dense(x, 6, bias = false), fourier(t, 2), shift = false))
  phi = gate(dense(h, 1, bias = false), t, shift = false)`},
	{"squash", `
  h = tanh(gate(dense(x, 5, time = t), [t, fourier(t, 1)]))
  phi = gate(dense(h, 1), fourier(t, 1), shift = false)`},
	{"outgate", `
  h = swish(dense(x, 5))
  phi = gate(dense(h, 1), [t, fourier(t, 1)], shift = false)`},
}

// timeHiddenPotential compiles one of timeHiddenSpecs (D = 4, T = 0.8) for
// the reference evaluator, which computes the time terms on the program
// itself (not through ir.TimeMap), with θ moved well off its
// initialisation (the gates then vary with t).
func timeHiddenPotential(t *testing.T, body string, seed uint64) *refeval.Potential {
	t.Helper()
	spec := "model tinyt\ninput x: vector(4)\ntime t\npotential {" + body + "\n}\nflow { steps = 4  dt = 0.2 }\n"
	p, err := dsl.Compile("tinyt.maf", []byte(spec))
	require.NoError(t, err)
	return perturbed(p, seed)
}

// perturbed returns the reference potential of p with θ += 0.5·N(0, 1).
func perturbed(p *ir.Program, seed uint64) *refeval.Potential {
	pot := refeval.NewPotential(p)
	rng := rand.New(rand.NewPCG(seed, 11))
	for i := range pot.Params() {
		pot.Params()[i] += 0.5 * rng.NormFloat64()
	}
	return pot
}

// withOutputShift returns p (a spec with a gated output) with the output
// gate's shift V·f(t) added, which the language refuses (it moves
// nothing) but the IR allows: Hidden must carry it as a term of t alone.
func withOutputShift(t *testing.T, p *ir.Program) *ir.Program {
	t.Helper()
	o := p.Nodes[p.Output]
	F := o.Gate.Len()
	o.GateShift = true
	p.Params = append(p.Params, &ir.Param{Name: o.Name + ".V", Node: o.ID, Role: ir.RoleGateShift, Offset: p.NumParams(),
		Shape: []int{o.Out, F}, Size: o.Out * F, FanIn: F, Init: ir.Init{Scheme: "zero"}})
	_, ok := ode.HiddenLayerOf(p)
	require.True(t, ok)
	return p
}

// flowCase is one integrator setting of the comparisons.
type flowCase struct {
	tab   *ode.Tableau
	steps int
	dt    float64
}

var timeFlowCases = []flowCase{{ode.RK4, 4, 0.2}, {ode.RK4, 7, 0.05}, {ode.Midpoint, 5, 0.15}, {ode.Euler, 6, 0.1}}

// TestHiddenTimeMatchesInputSpace: for every time form, integrator, step
// size and direction, the hidden-space integrator gives the input-space
// integrator's x(T), a(T), x̄(0) and θ̄ (the time parameters included) up to
// rounding, and its memory modes agree bit for bit.
func TestHiddenTimeMatchesInputSpace(t *testing.T) {
	for i, c := range timeHiddenSpecs {
		pots := map[string]runtime.Potential{c.name: timeHiddenPotential(t, c.body, uint64(i))}
		if c.name == "squash" {
			p := timeHiddenPotential(t, c.body, 0).Program()
			pots["squash+outshift"] = perturbed(withOutputShift(t, p), uint64(i))
		}
		for name, pot := range pots {
			l, ok := ode.HiddenLayerOf(pot.Program())
			require.True(t, ok, name)
			require.True(t, l.Time, name)
			for _, fc := range timeFlowCases {
				for _, sigma := range []float64{1, -1} {
					t.Run(name+"/"+fc.tab.Name, func(t *testing.T) {
						compareTimeFlows(t, pot, fc, sigma, 1e-10)
					})
				}
			}
		}
	}
}

// TestHiddenTimeGenerated: the same comparison on the bundled time
// variants with their generated kernels (ising16_t: gates, no biases;
// mnist_t: concatenated features), RK4 in both directions.
func TestHiddenTimeGenerated(t *testing.T) {
	for _, m := range []runtime.Potential{ising16t.New(), mnistt.New()} {
		perturb(5, m)
		// Move the gates off their start (A = 0, c = 4) too.
		rng := rand.New(rand.NewPCG(2, 3))
		for _, pr := range m.Program().Params {
			if pr.Role == ir.RoleGate || pr.Role == ir.RoleGateBias {
				for k := range pr.Size {
					m.Params()[pr.Offset+k] = 2 * rng.NormFloat64()
				}
			}
		}
		m.Sync()
		require.True(t, ode.PreferHidden(m.Program(), false), m.Name())
		for _, sigma := range []float64{1, -1} {
			t.Run(m.Name(), func(t *testing.T) { compareTimeFlows(t, m, flowCase{ode.RK4, 5, 0.1}, sigma, 1e-10) })
		}
	}
}

// compareTimeFlows runs Integrator and Hidden (both memory modes) on pot
// and compares them.
func compareTimeFlows(t *testing.T, pot runtime.Potential, fc flowCase, sigma, tol float64) {
	const B = 3
	D := pot.Dim()
	rng := rand.New(rand.NewPCG(3, 4))
	x0, xb0 := normals(rng, B*D), normals(rng, B*D)
	ab0, a0 := []float64{0.3, -1.1, 0.7}, []float64{0.5, 0, -2}
	cfg := ode.Config{Tableau: fc.tab, Steps: fc.steps, Dt: fc.dt, MaxBatch: B + 1, Every: 3}
	std, err := ode.New(pot, cfg)
	require.NoError(t, err)
	want := runFlow(t, std, pot, x0, a0, xb0, ab0, sigma)
	var first *flowResult
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		cfg.Memory = mem
		hd, err := ode.NewHidden(pot, cfg)
		require.NoError(t, err)
		got := runFlow(t, hd, pot, x0, a0, xb0, ab0, sigma)
		near(t, "x(T)", got.x, want.x, tol)
		near(t, "a(T)", got.a, want.a, tol)
		near(t, "x̄(0)", got.dx, want.dx, tol)
		near(t, "θ̄", got.dth, want.dth, tol)
		xr, ar := append([]float64(nil), x0...), append([]float64(nil), a0...)
		hd.Run(xr, ar, sigma, false, 1)
		assert.Equal(t, got.x, xr, "x(T) without recording")
		assert.Equal(t, got.a, ar, "a(T) without recording")
		if first == nil {
			first = &got
		} else {
			assert.Equal(t, *first, got, "Store and Recompute differ")
		}
	}
}

// TestHiddenTimeFloat32: the float32 hidden-space integrator of each time
// form (the program's precision set to float32) against the float64
// input-space integrator: only float32 rounding apart.
func TestHiddenTimeFloat32(t *testing.T) {
	// The float32 rounding of a few hundred operations on numbers of order
	// one, relative to the largest component (see relErr); a dropped or
	// misplaced time term moves a result by ≳ 1e-2.
	const tol = 1e-5
	for i, c := range timeHiddenSpecs {
		pot := timeHiddenPotential(t, c.body, uint64(i))
		pot.Program().Precision = "float32"
		for _, sigma := range []float64{1, -1} {
			t.Run(c.name, func(t *testing.T) {
				const B = 3
				D := pot.Dim()
				rng := rand.New(rand.NewPCG(3, 4))
				x0, xb0 := normals(rng, B*D), normals(rng, B*D)
				ab0, a0 := []float64{0.3, -1.1, 0.7}, []float64{0.5, 0, -2}
				cfg := ode.Config{Tableau: ode.RK4, Steps: 6, Dt: 0.15, MaxBatch: B, Every: 4}
				std, err := ode.New(pot, cfg)
				require.NoError(t, err)
				want := runFlow(t, std, pot, x0, a0, xb0, ab0, sigma)
				var first *flowResult
				for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
					cfg.Memory = mem
					hd, err := ode.NewHidden(pot, cfg)
					require.NoError(t, err)
					require.Equal(t, "float32", hd.Precision())
					got := runFlow(t, hd, pot, x0, a0, xb0, ab0, sigma)
					for _, r := range []struct {
						what      string
						got, want []float64
					}{
						{"x(T) − x(0)", minus(got.x, x0), minus(want.x, x0)},
						{"a(T) − a(0)", minus(got.a, a0), minus(want.a, a0)},
						{"x̄(0) − x̄(T)", minus(got.dx, xb0), minus(want.dx, xb0)},
						{"θ̄", got.dth, want.dth},
					} {
						e := relErr(r.got, r.want)
						t.Logf("%s: %.2g", r.what, e)
						assert.LessOrEqual(t, e, tol, r.what)
					}
					if first == nil {
						first = &got
					} else {
						assert.Equal(t, *first, got, "Store and Recompute differ")
					}
				}
			})
		}
	}
}

// TestHiddenTimeGradientFD: the hidden-space adjoint of each time form
// against central differences of the whole loss Σ c·x(T) + Σ d·a(T) in
// every time parameter (U, A, c, V), in b and w, and along a random
// direction in all of θ, in both directions with RK4.
func TestHiddenTimeGradientFD(t *testing.T) {
	for i, c := range timeHiddenSpecs {
		pot := timeHiddenPotential(t, c.body, uint64(i))
		p := pot.Program()
		var check []int // the parameters checked one by one
		for _, pr := range p.Params {
			if pr.Role != "weight" || pr.Node == p.Output {
				for k := range pr.Size {
					check = append(check, pr.Offset+k)
				}
			}
		}
		for _, sigma := range []float64{1, -1} {
			t.Run(c.name, func(t *testing.T) { checkHiddenFD(t, pot, sigma, check) })
		}
	}
}

func checkHiddenFD(t *testing.T, pot runtime.Potential, sigma float64, check []int) {
	const B = 2
	D := pot.Dim()
	rng := rand.New(rand.NewPCG(8, 9))
	x0, cx := normals(rng, B*D), normals(rng, B*D)
	a0, da := []float64{0.5, -1}, []float64{0.3, -1.1}
	hd, err := ode.NewHidden(pot, ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.15, MaxBatch: B})
	require.NoError(t, err)
	loss := func() float64 {
		x, a := append([]float64(nil), x0...), append([]float64(nil), a0...)
		hd.Run(x, a, sigma, false, 1)
		var l float64
		for i, v := range x {
			l += cx[i] * v
		}
		for i, v := range a {
			l += da[i] * v
		}
		return l
	}
	g := runFlow(t, hd, pot, x0, a0, cx, da, sigma)
	th := pot.Params()
	const h = 1e-6
	fd := func(v []float64) float64 {
		old := append([]float64(nil), th...)
		for i := range th {
			th[i] = old[i] + h*v[i]
		}
		lp := loss()
		for i := range th {
			th[i] = old[i] - h*v[i]
		}
		lm := loss()
		copy(th, old)
		return (lp - lm) / (2 * h)
	}
	v := make([]float64, len(th))
	for _, i := range check {
		v[i] = 1
		want := fd(v)
		v[i] = 0
		assert.True(t, math.Abs(g.dth[i]-want) <= 1e-6*max(1, math.Abs(want)), "∂L/∂θ[%d] = %v, central difference %v", i, g.dth[i], want)
	}
	r := normals(rng, len(th))
	var dot float64
	for i := range r {
		dot += g.dth[i] * r[i]
	}
	want := fd(r)
	assert.InEpsilon(t, want, dot, 1e-6, "θ̄·r = %v, central difference %v", dot, want)
}

// TestHiddenTimeZeroAllocs: Run and Adjoint of a time-dependent potential
// in hidden space do not allocate after the first call.
func TestHiddenTimeZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	m := ising16t.New()
	const B = 2
	D := m.Dim()
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		hd, err := ode.NewHidden(m, ode.Config{Steps: 3, Dt: 0.1, MaxBatch: B, Memory: mem, Every: 2})
		require.NoError(t, err)
		x, a := make([]float64, B*D), make([]float64, B)
		xb, ab, dth := make([]float64, B*D), make([]float64, B), make([]float64, m.NumParams())
		call := func() {
			hd.Run(x, a, 1, true, 0)
			hd.Adjoint(xb, ab, dth)
		}
		call()
		assert.Zero(t, testing.AllocsPerRun(3, call), "memory mode %d", mem)
	}
}
