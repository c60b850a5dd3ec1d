package ode_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/generated/ising16cnn"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/physics/ising"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/potentialtest"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// refTol: the reference numbers come from the paper's PyTorch code in
// float64; both sides run the same RK4 arithmetic in different orders, so
// they agree to ~1e-13; 1e-10 relative is what DESIGN.md asks.
const refTol = 1e-10

func refPotential(t *testing.T, c *potentialtest.RefCase) *refeval.Potential {
	p, err := dsl.Compile(c.Name+".maf", []byte(c.Spec()))
	require.NoError(t, err)
	pot := refeval.NewPotential(p)
	params := c.Params
	if c.D == 0 {
		params = c.Potential.Params
	}
	copy(pot.Params(), params.Flat())
	return pot
}

// normals returns n draws of N(0, 1).
func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range got {
		require.True(t, scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol), "%s[%d] = %v, want %v", what, i, got[i], want[i])
	}
}

func TestReferenceFlows(t *testing.T) {
	cases, err := potentialtest.ReferenceVectors()
	require.NoError(t, err)
	for _, c := range cases[:2] {
		t.Run(c.Name, func(t *testing.T) {
			pot := refPotential(t, &c)
			D := c.D
			B := len(c.Flow.Sample.Z) / D
			for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
				it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: c.Flow.Steps, Dt: c.Flow.Dt, MaxBatch: B, Memory: mem, Every: 3})
				require.NoError(t, err)
				// Sampling: z → x(T), ln p.
				x := append([]float64(nil), c.Flow.Sample.Z...)
				a := make([]float64, B)
				for b := range a {
					a[b] = ode.LogNormal(x[b*D : (b+1)*D])
				}
				near(t, "logp0", a, c.Flow.Sample.LogP0, refTol)
				it.Run(x, a, +1, false, 0)
				near(t, "x_T", x, c.Flow.Sample.XT, refTol)
				near(t, "logp_T", a, c.Flow.Sample.LogPT, refTol)

				// Density: x → z, nll, and the gradient of the mean nll.
				x = append([]float64(nil), c.Flow.Density.X...)
				clear(a)
				it.Run(x, a, -1, true, 0)
				nll := make([]float64, B)
				for b := range nll {
					nll[b] = a[b] - ode.LogNormal(x[b*D:(b+1)*D])
				}
				near(t, "nll", nll, c.Flow.Density.NLL, refTol)
				xb := make([]float64, B*D)
				ab := make([]float64, B)
				for b := 0; b < B; b++ {
					ab[b] = 1 / float64(B)
					for i := 0; i < D; i++ {
						xb[b*D+i] = x[b*D+i] / float64(B)
					}
				}
				g := make([]float64, pot.NumParams())
				it.Adjoint(xb, ab, g)
				near(t, "grad mean nll", g, c.Flow.Density.GradNLL.Flat(), refTol)
			}
		})
	}
}

// TestReferenceIsing checks the variational loss per site of the 4×4 Ising
// relaxation through a 5-step RK4 sampler, and its parameter gradient.
func TestReferenceIsing(t *testing.T) {
	cases, err := potentialtest.ReferenceVectors()
	require.NoError(t, err)
	c := cases[2]
	pot := refPotential(t, &c)
	D := c.Potential.D
	B := len(c.Flow.Z) / D
	rel, err := ising.NewRelaxation(c.L, c.L, c.T)
	require.NoError(t, err)
	it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: c.Flow.Steps, Dt: c.Flow.Dt, MaxBatch: B})
	require.NoError(t, err)
	x := append([]float64(nil), c.Flow.Z...)
	a := make([]float64, B)
	for b := range a {
		a[b] = ode.LogNormal(x[b*D : (b+1)*D])
	}
	it.Run(x, a, +1, true, 0)
	N := float64(D)
	var loss float64
	xb := make([]float64, B*D)
	ab := make([]float64, B)
	for b := 0; b < B; b++ {
		lp := rel.LogTargetGrad(xb[b*D:(b+1)*D], x[b*D:(b+1)*D])
		loss += (a[b] - lp) / N / float64(B)
		for i := 0; i < D; i++ {
			xb[b*D+i] *= -1 / (N * float64(B))
		}
		ab[b] = 1 / (N * float64(B))
	}
	require.True(t, scalar.EqualWithinAbsOrRel(loss, c.Flow.LossPerSite, refTol, refTol), "loss per site = %v, want %v", loss, c.Flow.LossPerSite)
	g := make([]float64, pot.NumParams())
	it.Adjoint(xb, ab, g)
	near(t, "grad loss", g, c.Flow.GradLoss.Flat(), refTol)
}

// TestGradientFD checks the gradient of whole losses (both directions, all
// integrators, both memory modes) against central differences on a tiny
// model, in float64.
func TestGradientFD(t *testing.T) {
	checkGradientFD(t, tinySpec, 0)
}

// randomSpec is a lattice potential with no symmetry of its own, integrated
// with a random element of translations × D4 × Z2 at each step.
const randomSpec = `model tinyrand
input s: lattice(3)
potential {
  h = tanh(dense(s, 4))
  phi = dense(h, 1) + 0.2 * sum(quadratic(s))
}
symmetry {
  translations = random
  d4 = random
  z2 = random
}`

// TestGradientFDRandomSymmetry: the adjoint of a flow that integrates φ∘g_n
// with random g_n on each step matches central differences of the same
// (seeded) computation.
func TestGradientFDRandomSymmetry(t *testing.T) {
	checkGradientFD(t, randomSpec, 7)
}

func checkGradientFD(t *testing.T, spec string, seed uint64) {
	p, err := dsl.Compile("tiny.maf", []byte(spec))
	require.NoError(t, err)
	pot := refeval.NewPotential(p)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range pot.Params() {
		pot.Params()[i] += 0.3 * rng.NormFloat64()
	}
	const B = 2
	D := pot.Dim()
	x0, wx := normals(rng, B*D), normals(rng, B*D)
	for _, tab := range []*ode.Tableau{ode.RK4, ode.Euler, ode.Midpoint} {
		for _, sigma := range []float64{+1, -1} {
			var grads [][]float64
			for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
				it, err := ode.New(pot, ode.Config{Tableau: tab, Steps: 5, Dt: 0.15, MaxBatch: B, Memory: mem, Every: 2})
				require.NoError(t, err)
				// loss = Σ wx·x(T) + Σ a(T)
				loss := func() float64 {
					x := append([]float64(nil), x0...)
					a := []float64{0.1, -0.2}
					it.Run(x, a, sigma, false, seed)
					l := a[0] + a[1]
					for i := range x {
						l += wx[i] * x[i]
					}
					return l
				}
				x := append([]float64(nil), x0...)
				a := []float64{0.1, -0.2}
				it.Run(x, a, sigma, true, seed)
				xb := append([]float64(nil), wx...)
				g := make([]float64, pot.NumParams())
				it.Adjoint(xb, []float64{1, 1}, g)
				grads = append(grads, g)
				th := pot.Params()
				const h = 1e-6
				for i := range th {
					old := th[i]
					th[i] = old + h
					lp := loss()
					th[i] = old - h
					lm := loss()
					th[i] = old
					want := (lp - lm) / (2 * h)
					require.True(t, scalar.EqualWithinAbsOrRel(g[i], want, 1e-6, 1e-6), "%s σ=%v: ∂loss/∂θ[%d] = %v, want (fd) %v", tab.Name, sigma, i, g[i], want)
				}
				// ∂loss/∂x(0) too.
				for i := range x0 {
					old := x0[i]
					x0[i] = old + 1e-6
					lp := loss()
					x0[i] = old - 1e-6
					lm := loss()
					x0[i] = old
					want := (lp - lm) / 2e-6
					require.True(t, scalar.EqualWithinAbsOrRel(xb[i], want, 1e-6, 1e-6), "%s σ=%v: ∂loss/∂x0[%d] = %v, want %v", tab.Name, sigma, i, xb[i], want)
				}
			}
			// Both memory modes give bit-identical gradients.
			for i := range grads[0] {
				require.Equal(t, math.Float64bits(grads[0][i]), math.Float64bits(grads[1][i]), "%s σ=%v: store and recompute differ at %d", tab.Name, sigma, i)
			}
		}
	}
}

// TestRandomSymmetryRoundTrip: sampling and then the density direction with
// the same seed retrace the same group elements (the round trip closes to
// integrator precision, and ln p matches), a different seed draws other
// elements (it does not close), and the draws change the flow.
func TestRandomSymmetryRoundTrip(t *testing.T) {
	p, err := dsl.Compile("tinyrand.maf", []byte(randomSpec))
	require.NoError(t, err)
	pot := refeval.NewPotential(p)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range pot.Params() {
		pot.Params()[i] += 0.5 * rng.NormFloat64()
	}
	const B, D = 3, 9
	it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: 40, Dt: 0.02, MaxBatch: B})
	require.NoError(t, err)
	z := make([]float64, B*D)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	roundTrip := func(s1, s2 uint64) (dz, dlogp float64) {
		x := append([]float64(nil), z...)
		a := make([]float64, B)
		for b := range a {
			a[b] = ode.LogNormal(z[b*D : (b+1)*D])
		}
		it.Run(x, a, +1, false, s1)
		back := append([]float64(nil), x...)
		acc := make([]float64, B)
		it.Run(back, acc, -1, false, s2)
		for i := range back {
			dz = max(dz, math.Abs(back[i]-z[i]))
		}
		for b := range a {
			nll := acc[b] - ode.LogNormal(back[b*D:(b+1)*D])
			dlogp = max(dlogp, math.Abs(a[b]+nll))
		}
		return dz, dlogp
	}
	dz, dl := roundTrip(11, 11)
	require.Less(t, dz, 1e-7, "round trip with the same seed")
	require.Less(t, dl, 1e-7, "ln p round trip with the same seed")
	dz, _ = roundTrip(11, 12)
	require.Greater(t, dz, 1e-3, "a different seed draws other elements")
	// The draws change the flow: seeds 11 and 12 sample different x(T).
	x1, x2 := append([]float64(nil), z...), append([]float64(nil), z...)
	it.Run(x1, make([]float64, B), +1, false, 11)
	it.Run(x2, make([]float64, B), +1, false, 12)
	diff := 0.0
	for i := range x1 {
		diff = max(diff, math.Abs(x1[i]-x2[i]))
	}
	require.Greater(t, diff, 1e-3)
}

var _ runtime.Potential = (*refeval.Potential)(nil)

// plain hides a potential's optional interfaces (runtime.Saver among them).
type plain struct{ runtime.Potential }

// TestSaverAdjoint: with a generated potential that keeps its first layer's
// outputs (runtime.Saver), the adjoint in both memory modes gives what the
// same potential gives without keeping them, also when every step integrates
// a random symmetry element (ising16rand).
func TestSaverAdjoint(t *testing.T) {
	for _, m := range []runtime.Potential{ising8.New(), ising16rand.New()} {
		t.Run(m.Name(), func(t *testing.T) { checkSaverAdjoint(t, m) })
	}
}

func checkSaverAdjoint(t *testing.T, m runtime.Potential) {
	if _, ok := m.(runtime.Saver); !ok {
		t.Fatalf("%s does not implement runtime.Saver", m.Name())
	}
	const B = 3
	D := m.Dim()
	rng := rand.New(rand.NewPCG(3, 4))
	x0, xb0 := normals(rng, B*D), normals(rng, B*D)
	ab0 := []float64{0.3, -1.1, 0.7}
	grad := func(pot runtime.Potential, mem ode.Memory) (dx, dth []float64) {
		it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.1, MaxBatch: B, Memory: mem, Every: 2})
		require.NoError(t, err)
		x, a := append([]float64(nil), x0...), make([]float64, B)
		it.Run(x, a, 1, true, 1)
		dx, ab := append([]float64(nil), xb0...), append([]float64(nil), ab0...)
		dth = make([]float64, pot.NumParams())
		it.Adjoint(dx, ab, dth)
		return dx, dth
	}
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		dx, dth := grad(m, mem)
		wantDx, wantDth := grad(plain{m}, mem)
		near(t, "x̄(0)", dx, wantDx, 1e-12)
		near(t, "θ̄", dth, wantDth, 1e-12)
	}
}

// reverser hides a potential's optional interfaces except the reverse
// modes that return Δφ (runtime.DensityReverser).
type reverser struct {
	runtime.Potential
	runtime.DensityReverser
}

// TestDeferDensity: with DeferDensity a recorded run integrates x alone and
// the adjoint completes a(T). Against the same run without deferral (and
// without a runtime.Saver, whose kept products round differently), in both
// memory modes, with the exact Laplacian and with Hutchinson probes: x(T),
// x̄(0) and θ̄ are bitwise the same, a(T) is after Adjoint and not before it
// (bitwise for the convolutional ising16cnn, whose reverse modes compute Δφ
// as its Laplacian does; to rounding for the MLPs, ising16rand with a
// random symmetry element per step); and a run that does not record
// integrates a itself.
func TestDeferDensity(t *testing.T) {
	for _, m := range []runtime.Potential{ising16cnn.New(), ising8.New(), ising16rand.New()} {
		for _, hutch := range []bool{false, true} {
			for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
				t.Run(fmt.Sprintf("%s/hutchinson=%v/%v", m.Name(), hutch, mem), func(t *testing.T) {
					checkDeferDensity(t, m, hutch, mem, m.Name() == "ising16cnn")
				})
			}
		}
	}
}

func checkDeferDensity(t *testing.T, m runtime.Potential, hutch bool, mem ode.Memory, bitwise bool) {
	const B = 3
	D := m.Dim()
	rng := rand.New(rand.NewPCG(5, 6))
	x0, xb0 := normals(rng, B*D), normals(rng, B*D)
	a0 := []float64{0.5, -0.25, 2}
	ab0 := []float64{0.3, -1.1, 0.7}
	pot := reverser{m, m.(runtime.DensityReverser)}
	type result struct{ x, a, aRun, dx, dth []float64 }
	run := func(deferred bool) result {
		it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.1, MaxBatch: B, Memory: mem, Every: 2, Hutchinson: hutch, DeferDensity: deferred})
		require.NoError(t, err)
		x, a := append([]float64(nil), x0...), append([]float64(nil), a0...)
		it.Run(x, a, 1, true, 7)
		aRun := append([]float64(nil), a...)
		dx, ab := append([]float64(nil), xb0...), append([]float64(nil), ab0...)
		dth := make([]float64, pot.NumParams())
		it.Adjoint(dx, ab, dth)
		return result{x, a, aRun, dx, dth}
	}
	want, got := run(false), run(true)
	same := func(what string, got, want []float64) {
		t.Helper()
		for i := range want {
			require.True(t, got[i] == want[i], "%s[%d] = %v, want %v bitwise", what, i, got[i], want[i])
		}
	}
	same("x(T)", got.x, want.x)
	same("x̄(0)", got.dx, want.dx)
	same("θ̄", got.dth, want.dth)
	same("a after a deferred Run", got.aRun, a0)
	if bitwise {
		same("a(T)", got.a, want.a)
	} else {
		near(t, "a(T)", got.a, want.a, 1e-12)
	}
	require.NotEqual(t, want.a, a0, "the density did not change a")
	// Without recording, a deferring integrator integrates a in Run.
	it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.1, MaxBatch: B, Hutchinson: hutch, DeferDensity: true})
	require.NoError(t, err)
	x, a := append([]float64(nil), x0...), append([]float64(nil), a0...)
	it.Run(x, a, 1, false, 7)
	same("a(T) of a run that does not record", a, want.aRun)
}

// TestDeferDensityNeedsReverser: DeferDensity with a potential whose
// reverse modes do not return Δφ is an error, not a silent fallback.
func TestDeferDensityNeedsReverser(t *testing.T) {
	_, err := ode.New(plain{ising8.New()}, ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 1, DeferDensity: true})
	require.ErrorContains(t, err, "DensityReverser")
}
