package ode_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// tinySpec and tinyTimeSpec are small potentials for gradient checks
// against central differences, the second time-dependent.
const tinySpec = `model tiny
input x: vector(3)
potential {
  h = tanh(dense(x, 4))
  g = softplus(dense(h, 3))
  phi = dense(g, 1) + 0.2 * sum(quadratic(x))
}`

const tinyTimeSpec = `model tinyt
input x: vector(3)
time t
potential {
  h = tanh(gate(dense(x, 4, time = t), fourier(t, 1)))
  g = softplus(dense(h, 3, time = [t, fourier(t, 2)]))
  phi = dense(g, 1) + 0.2 * sum(quadratic(x))
}
flow { steps = 5  dt = 0.15 }`

// tinyPotential compiles spec into a reference potential with parameters
// moved away from their initial values.
func tinyPotential(t *testing.T, spec string, seed uint64) *refeval.Potential {
	t.Helper()
	p, err := dsl.Compile("tiny.maf", []byte(spec))
	require.NoError(t, err)
	pot := refeval.NewPotential(p)
	rng := rand.New(rand.NewPCG(seed, 4))
	for i := range pot.Params() {
		pot.Params()[i] += 0.3 * rng.NormFloat64()
	}
	return pot
}

// gaussianStart returns z ~ N(0, I) (B×D) with a = ln p₀(z) and the base's
// score s = −z.
func gaussianStart(rng *rand.Rand, B, D int) (z, a, s []float64) {
	z = normals(rng, B*D)
	a = make([]float64, B)
	s = make([]float64, B*D)
	for b := range a {
		a[b] = ode.LogNormal(z[b*D : (b+1)*D])
	}
	for i, v := range z {
		s[i] = -v
	}
	return z, a, s
}

// TestScoreRunIsRun: RunScore moves x and a bitwise as Run does (the score
// rides along), for generated and reference potentials, with and without
// random symmetry elements.
func TestScoreRunIsRun(t *testing.T) {
	pots := map[string]runtime.Potential{
		"ising8":      ising8.New(),
		"ising16rand": ising16rand.New(),
		"tinyrand":    tinyPotential(t, randomSpec, 1),
		"tinyt":       tinyPotential(t, tinyTimeSpec, 2),
	}
	for name, pot := range pots {
		t.Run(name, func(t *testing.T) {
			const B = 3
			D := pot.Dim()
			rng := rand.New(rand.NewPCG(8, 9))
			z, a0, s0 := gaussianStart(rng, B, D)
			for _, record := range []bool{false, true} {
				it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: 6, Dt: 0.05, MaxBatch: B, Score: true})
				require.NoError(t, err)
				x1, a1 := append([]float64(nil), z...), append([]float64(nil), a0...)
				it.Run(x1, a1, +1, false, 5)
				x2, a2, s2 := append([]float64(nil), z...), append([]float64(nil), a0...), append([]float64(nil), s0...)
				it.RunScore(x2, a2, s2, +1, record, 5)
				for i := range x1 {
					require.Equal(t, math.Float64bits(x1[i]), math.Float64bits(x2[i]), "x[%d]", i)
				}
				for b := range a1 {
					require.Equal(t, math.Float64bits(a1[b]), math.Float64bits(a2[b]), "a[%d]", b)
				}
				require.False(t, allEqual(s0, s2), "the score moved")
			}
		})
	}
}

func allEqual(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestScoreIsDensityGradient: s(T) is ∇ₓ ln p(x(T)): since
// ln p(x(T)(z)) = a(T)(z), Jᵀs(T) = ∇_z a(T) with J = ∂x(T)/∂z, both from
// the plain adjoint; the score's RK4 matches to the method's order, so the
// mismatch falls about 16-fold when the step halves.
func TestScoreIsDensityGradient(t *testing.T) {
	for name, pot := range map[string]runtime.Potential{
		"tiny":     tinyPotential(t, tinySpec, 1),
		"tinyrand": tinyPotential(t, randomSpec, 3),
		"tinyt":    tinyPotential(t, tinyTimeSpec, 2),
		"ising8":   ising8.New(),
	} {
		t.Run(name, func(t *testing.T) {
			const B = 2
			D := pot.Dim()
			rng := rand.New(rand.NewPCG(1, 2))
			z, a0, s0 := gaussianStart(rng, B, D)
			mismatch := func(steps int) float64 {
				it, err := ode.New(pot, ode.Config{Tableau: ode.RK4, Steps: steps, Dt: 0.8 / float64(steps), MaxBatch: B, Score: true})
				require.NoError(t, err)
				x, a, s := append([]float64(nil), z...), append([]float64(nil), a0...), append([]float64(nil), s0...)
				it.RunScore(x, a, s, +1, false, 9)
				// Jᵀs(T)
				x = append([]float64(nil), z...)
				it.Run(x, append([]float64(nil), a0...), +1, true, 9)
				js := append([]float64(nil), s...)
				it.Adjoint(js, make([]float64, B), make([]float64, pot.NumParams()))
				// ∇_z a(T) = ∇_z ln p₀ + ∇_z (a(T) − a(0))
				x = append([]float64(nil), z...)
				it.Run(x, append([]float64(nil), a0...), +1, true, 9)
				ga := make([]float64, B*D)
				it.Adjoint(ga, []float64{1, 1}, make([]float64, pot.NumParams()))
				var worst, scale float64
				for i := range ga {
					want := ga[i] - z[i] // the base's score, which Adjoint leaves out
					worst = max(worst, math.Abs(js[i]-want))
					scale = max(scale, math.Abs(want))
				}
				return worst / scale
			}
			coarse, fine := mismatch(8), mismatch(16)
			require.Less(t, fine, 1e-6, "Jᵀs(T) against ∇_z a(T)")
			require.Less(t, fine, coarse/8, "fourth order: %g then %g", coarse, fine)
		})
	}
}

// TestScoreAdjointFD: AdjointScore's gradients of
// loss = Σ wx·x(T) + Σ ws·s(T) + Σ wa·a(T) with respect to θ, x(0) and
// s(0) match central differences of RunScore, for every method, both
// directions and both memory modes (which agree bitwise), with random
// symmetry elements and with time.
func TestScoreAdjointFD(t *testing.T) {
	for name, spec := range map[string]string{"tiny": tinySpec, "tinyrand": randomSpec, "tinyt": tinyTimeSpec} {
		t.Run(name, func(t *testing.T) {
			pot := tinyPotential(t, spec, 3)
			checkScoreAdjointFD(t, pot)
		})
	}
}

func checkScoreAdjointFD(t *testing.T, pot runtime.Potential) {
	const B = 2
	D := pot.Dim()
	rng := rand.New(rand.NewPCG(3, 5))
	x0, s0 := normals(rng, B*D), normals(rng, B*D)
	wx, ws := normals(rng, B*D), normals(rng, B*D)
	wa := []float64{0.7, -1.3}
	for _, tab := range []*ode.Tableau{ode.RK4, ode.Euler, ode.Midpoint} {
		for _, sigma := range []float64{+1, -1} {
			var grads [][]float64
			for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
				it, err := ode.New(pot, ode.Config{Tableau: tab, Steps: 5, Dt: 0.15, MaxBatch: B, Memory: mem, Every: 2, Score: true})
				require.NoError(t, err)
				loss := func() float64 {
					x, s := append([]float64(nil), x0...), append([]float64(nil), s0...)
					a := []float64{0.1, -0.2}
					it.RunScore(x, a, s, sigma, false, 7)
					l := wa[0]*a[0] + wa[1]*a[1]
					for i := range x {
						l += wx[i]*x[i] + ws[i]*s[i]
					}
					return l
				}
				x, s := append([]float64(nil), x0...), append([]float64(nil), s0...)
				it.RunScore(x, []float64{0.1, -0.2}, s, sigma, true, 7)
				xb, sb := append([]float64(nil), wx...), append([]float64(nil), ws...)
				g := make([]float64, pot.NumParams())
				it.AdjointScore(xb, append([]float64(nil), wa...), sb, g)
				grads = append(grads, g)
				fd := func(v []float64, i int) float64 {
					const h = 1e-5
					old := v[i]
					v[i] = old + h
					lp := loss()
					v[i] = old - h
					lm := loss()
					v[i] = old
					return (lp - lm) / (2 * h)
				}
				th := pot.Params()
				for i := range th {
					want := fd(th, i)
					require.True(t, scalar.EqualWithinAbsOrRel(g[i], want, 1e-6, 1e-6), "%s σ=%v: ∂loss/∂θ[%d] = %v, want (fd) %v", tab.Name, sigma, i, g[i], want)
				}
				for i := range x0 {
					want := fd(x0, i)
					require.True(t, scalar.EqualWithinAbsOrRel(xb[i], want, 1e-6, 1e-6), "%s σ=%v: ∂loss/∂x0[%d] = %v, want %v", tab.Name, sigma, i, xb[i], want)
					want = fd(s0, i)
					require.True(t, scalar.EqualWithinAbsOrRel(sb[i], want, 1e-6, 1e-6), "%s σ=%v: ∂loss/∂s0[%d] = %v, want %v", tab.Name, sigma, i, sb[i], want)
				}
			}
			for i := range grads[0] {
				require.Equal(t, math.Float64bits(grads[0][i]), math.Float64bits(grads[1][i]), "%s σ=%v: store and recompute differ at %d", tab.Name, sigma, i)
			}
		}
	}
}

// TestScoreConfig: the score flow refuses the Hutchinson estimate, float32
// kernels and the hidden-space integrator, and its methods panic when
// misused.
func TestScoreConfig(t *testing.T) {
	pot := tinyPotential(t, tinySpec, 1)
	_, err := ode.New(pot, ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 2, Score: true, Hutchinson: true})
	require.ErrorContains(t, err, "exact Laplacian")
	_, err = ode.NewHidden(ising16rand.New(), ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 2, Score: true})
	require.Error(t, err)
	f, err := ode.NewFlow(ising8.New(), ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 2, Score: true})
	require.NoError(t, err)
	require.IsType(t, &ode.Integrator{}, f)

	plainIt, err := ode.New(pot, ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 2})
	require.NoError(t, err)
	x, a, s := make([]float64, 6), make([]float64, 2), make([]float64, 6)
	require.Panics(t, func() { plainIt.RunScore(x, a, s, 1, true, 0) })
	it, err := ode.New(pot, ode.Config{Steps: 2, Dt: 0.1, MaxBatch: 2, Score: true})
	require.NoError(t, err)
	it.Run(x, a, 1, true, 0)
	require.Panics(t, func() { it.AdjointScore(x, a, s, make([]float64, pot.NumParams())) }, "after a plain Run")
	it.RunScore(x, a, s, 1, true, 0)
	require.Panics(t, func() { it.Adjoint(x, a, make([]float64, pot.NumParams())) }, "after RunScore")
	require.Panics(t, func() { it.RunScore(x, a, s[:3], 1, true, 0) })
}
