package ode_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistf32"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flowResult is what one recorded Run and its Adjoint give.
type flowResult struct{ x, a, dx, dth []float64 }

// runFlow runs f on copies of x0, a0 (recorded, direction sigma) and its
// adjoint from the cotangents xb0, ab0.
func runFlow(t *testing.T, f ode.Flow, m runtime.Potential, x0, a0, xb0, ab0 []float64, sigma float64) flowResult {
	t.Helper()
	x, a := append([]float64(nil), x0...), append([]float64(nil), a0...)
	f.Run(x, a, sigma, true, 1)
	dx, ab := append([]float64(nil), xb0...), append([]float64(nil), ab0...)
	dth := make([]float64, m.NumParams())
	f.Adjoint(dx, ab, dth)
	require.Equal(t, ab0, ab, "Adjoint changed ā")
	return flowResult{x, a, dx, dth}
}

// minus returns v − w.
func minus(v, w []float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] - w[i]
	}
	return out
}

// relErr returns ‖got − want‖∞ / ‖want‖∞: the error relative to the
// largest component, the scale float32 rounding errors of a sum or
// product take (a componentwise relative error would divide the rounding of
// large terms by components that cancel to near zero).
func relErr(got, want []float64) float64 {
	var d, s float64
	for i := range want {
		d = max(d, math.Abs(got[i]-want[i]))
		s = max(s, math.Abs(want[i]))
	}
	return d / s
}

// perturb moves θ of every model in ms, which share one layout, off its
// initialisation by the same random factors (biases and the output layer
// too), and syncs them.
func perturb(seed uint64, ms ...runtime.Potential) {
	rng := rand.New(rand.NewPCG(seed, 6))
	th := ms[0].Params()
	for i, v := range th {
		th[i] = v * (1 + 0.3*rng.NormFloat64())
	}
	for _, m := range ms {
		copy(m.Params(), th)
		m.Sync()
	}
}

// f32Pairs are the float32 one-hidden-layer potentials and their float64
// twins (same program up to the precision, same θ layout).
var f32Pairs = []struct {
	name     string
	m32, m64 func() runtime.Potential
}{
	{"ising16", func() runtime.Potential { return ising16f32.New() }, func() runtime.Potential { return ising16.New() }},
	{"mnist", func() runtime.Potential { return mnistf32.New() }, func() runtime.Potential { return mnist.New() }},
}

// TestHiddenFloat32 checks the float32 hidden-space integrator against
// the float32 input-space integrator (the generated float32 kernels) and
// the float64 hidden-space integrator, on both paper potentials (5 RK4
// steps of 0.1, 3 samples, θ moved off its initialisation), both
// directions and both memory modes: x(T), a(T), x̄(0) and θ̄.
func TestHiddenFloat32(t *testing.T) {
	const (
		// Float32 hidden against float32 input space, in the max norm
		// relative to the largest component: both round every stage to
		// float32 (ε = 6e-8) but in different places (H×H products in z
		// against H×D ones in x, sums of up to 1024 terms); measured
		// ≤ 1.3e-6 over 5 steps of 4 stages. A dropped or doubled term
		// would move a result by ≳ 1e-2.
		tolInput = 1e-5
		// Float32 hidden against float64 hidden: the float32 rounding
		// alone, measured ≤ 1.3e-6 too.
		tolF64 = 1e-5
	)
	for _, pair := range f32Pairs {
		m32, m64 := pair.m32(), pair.m64()
		require.Equal(t, "float32", m32.Program().Precision)
		perturb(5, m32, m64)
		for _, sigma := range []float64{1, -1} {
			t.Run(pair.name+"/"+map[float64]string{1: "sampling", -1: "density"}[sigma], func(t *testing.T) {
				const B = 3
				D := m32.Dim()
				rng := rand.New(rand.NewPCG(3, 4))
				x0, xb0 := normals(rng, B*D), normals(rng, B*D)
				ab0 := []float64{0.3, -1.1, 0.7}
				a0 := []float64{0.5, 0, -2}
				cfg := ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.1, MaxBatch: B + 2, Every: 2}
				in32, err := ode.New(m32, cfg)
				require.NoError(t, err)
				want := runFlow(t, in32, m32, x0, a0, xb0, ab0, sigma)
				h64, err := ode.NewHidden(m64, cfg)
				require.NoError(t, err)
				assert.Equal(t, "float64", h64.Precision())
				want64 := runFlow(t, h64, m64, x0, a0, xb0, ab0, sigma)
				var first *flowResult
				for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
					cfg.Memory = mem
					hd, err := ode.NewHidden(m32, cfg)
					require.NoError(t, err)
					require.Equal(t, "float32", hd.Precision())
					got := runFlow(t, hd, m32, x0, a0, xb0, ab0, sigma)
					for _, c := range []struct {
						what      string
						got, want []float64
						tol       float64
					}{
						// The changes of x, a and x̄ over the flow, not the values
						// (which the start dominates, exact in either precision).
						{"x(T) − x(0) against float32 in x", minus(got.x, x0), minus(want.x, x0), tolInput},
						{"a(T) − a(0) against float32 in x", minus(got.a, a0), minus(want.a, a0), tolInput},
						{"x̄(0) − x̄(T) against float32 in x", minus(got.dx, xb0), minus(want.dx, xb0), tolInput},
						{"θ̄ against float32 in x", got.dth, want.dth, tolInput},
						{"x(T) − x(0) against float64 hidden", minus(got.x, x0), minus(want64.x, x0), tolF64},
						{"a(T) − a(0) against float64 hidden", minus(got.a, a0), minus(want64.a, a0), tolF64},
						{"x̄(0) − x̄(T) against float64 hidden", minus(got.dx, xb0), minus(want64.dx, xb0), tolF64},
						{"θ̄ against float64 hidden", got.dth, want64.dth, tolF64},
					} {
						e := relErr(c.got, c.want)
						t.Logf("%s: %.2g", c.what, e)
						assert.LessOrEqual(t, e, c.tol, "%s: max-norm relative error", c.what)
					}
					// Without recording: the same x(T), a(T) bit for bit.
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
			})
		}
	}
}

// TestHiddenFloat32Gradient checks the float32 hidden-space integrator's
// gradients against central differences of the whole loss
// L = Σ c·x(T) + Σ d·a(T) that they differentiate (c, d: the cotangents
// given to Adjoint), along random directions in θ (each parameter scaled
// by its own size) and in x(0).
func TestHiddenFloat32Gradient(t *testing.T) {
	// Central differences of a float32 computation: with step ε = 1e-3 the
	// truncation error is O(ε²) ≈ 1e-6 relative, and the float32 rounding
	// of L (≈ 1e-7 per component of x(T), summed with random signs over
	// B·D components) divided by 2ε gives about 1e-3 of the derivative.
	const (
		eps = 1e-3
		tol = 1e-2
	)
	for _, pair := range f32Pairs {
		t.Run(pair.name, func(t *testing.T) {
			m := pair.m32()
			perturb(7, m)
			const B = 3
			D := m.Dim()
			rng := rand.New(rand.NewPCG(8, 9))
			x0, c := normals(rng, B*D), normals(rng, B*D)
			a0, d := []float64{0.5, 0, -2}, []float64{0.3, -1.1, 0.7}
			hd, err := ode.NewHidden(m, ode.Config{Tableau: ode.RK4, Steps: 5, Dt: 0.1, MaxBatch: B})
			require.NoError(t, err)
			loss := func(x0 []float64) float64 {
				x, a := append([]float64(nil), x0...), append([]float64(nil), a0...)
				hd.Run(x, a, -1, false, 1)
				var l float64
				for i, v := range x {
					l += c[i] * v
				}
				for i, v := range a {
					l += d[i] * v
				}
				return l
			}
			g := runFlow(t, hd, m, x0, a0, c, d, -1)
			th := append([]float64(nil), m.Params()...)
			for k := range 3 {
				v := normals(rng, len(th))
				var want float64
				for i := range v {
					v[i] *= th[i]
					want += g.dth[i] * v[i]
				}
				at := func(s float64) float64 {
					for i := range th {
						m.Params()[i] = th[i] + s*v[i]
					}
					m.Sync()
					return loss(x0)
				}
				fd := (at(eps) - at(-eps)) / (2 * eps)
				at(0)
				assert.InEpsilon(t, want, fd, tol, "direction %d in θ: θ̄·v = %v, central difference %v", k, want, fd)
			}
			u := normals(rng, B*D)
			var want float64
			for i := range u {
				want += g.dx[i] * u[i]
			}
			at := func(s float64) []float64 {
				x := append([]float64(nil), x0...)
				for i := range x {
					x[i] += s * u[i]
				}
				return x
			}
			fd := (loss(at(eps)) - loss(at(-eps))) / (2 * eps)
			assert.InEpsilon(t, want, fd, tol, "direction in x(0): x̄(0)·u = %v, central difference %v", want, fd)
		})
	}
}
