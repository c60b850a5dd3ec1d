package refeval_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime/refeval"
)

// timeSpecs are small time-dependent potentials: concatenated time and
// Fourier features, gates with and without shift, on dense and conv layers.
var timeSpecs = map[string]string{
	"concat": `model concat
input x: vector(3)
time t
potential {
  h = tanh(dense(x, 4, time = [t, fourier(t, 2)]))
  phi = dense(h, 1)
}
flow { steps = 10  dt = 0.1 }`,
	"squash": `model squash
input x: vector(3)
time t
potential {
  h = softplus(gate(dense(x, 4), t))
  g = tanh(gate(dense(h, 3, bias = false, time = t), fourier(t, 1, period = 2), shift = false))
  phi = dense(g, 1)
}
flow { steps = 10  dt = 0.1 }`,
	"conv": `model convt
input s: lattice(3)
time t
potential {
  h = softplus(gate(conv(s, 2, kernel = 3, time = t), fourier(t, 1)))
  phi = sum(h)
}
flow { steps = 4  dt = 0.25 }`,
}

// TestTimeFiniteDifferences checks ∇ₓφ and Δₓφ against differences in x,
// and the reverse mode against differences in x and θ (every time
// parameter included), at several times.
func TestTimeFiniteDifferences(t *testing.T) {
	for name, src := range timeSpecs {
		p := compile(t, name+".maf", src)
		for _, tm := range []float64{0, 0.37, 1.3} {
			t.Run(fmt.Sprintf("%s/t=%v", name, tm), func(t *testing.T) {
				checkFDAt(t, p, 2, true, tm)
			})
		}
	}
}

// TestTimeMatters checks that φ does change with t (the time terms are not
// ignored), and that SetTime(0) gives back the first value.
func TestTimeMatters(t *testing.T) {
	for name, src := range timeSpecs {
		p := compile(t, name+".maf", src)
		e := refeval.New(p)
		theta := make([]float64, p.NumParams())
		p.InitParams(theta, 1)
		x := randVec(rand.New(rand.NewPCG(3, 3)), p.Dim())
		phi0 := e.Phi(theta, x)
		e.SetTime(0.9)
		phi1 := e.Phi(theta, x)
		require.Greater(t, math.Abs(phi1-phi0), 1e-6, "%s: φ(x, 0.9) = φ(x, 0) = %v", name, phi0)
		e.SetTime(0)
		require.Equal(t, phi0, e.Phi(theta, x), name)
	}
}

// TestTimeMap checks the kernels' view of a time-dependent program: the
// time-free KernelProgram with θ′ = TimeMap.Apply(θ, t) gives φ, ∇φ and Δφ
// of the program at t, and TimeMap.Back turns its θ′-gradient into the
// program's θ-gradient.
func TestTimeMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for name, src := range timeSpecs {
		p := compile(t, name+".maf", src)
		k := p.KernelProgram()
		require.False(t, k.TimeDependent())
		require.NoError(t, k.Verify())
		m := p.TimeMap(k)
		require.Equal(t, k.NumParams(), m.NumKernel)
		ef, ek := refeval.New(p), refeval.New(k)
		theta := make([]float64, p.NumParams())
		p.InitParams(theta, 2)
		kth := make([]float64, k.NumParams())
		scratch := make([]float64, m.Scratch)
		D := p.Dim()
		for _, tm := range []float64{0, 0.6, 2.1} {
			ef.SetTime(tm)
			m.Apply(kth, theta, tm, scratch)
			x := randVec(rng, D)
			gf, gk := make([]float64, D), make([]float64, D)
			phiF, lapF := ef.Eval(theta, x, gf)
			phiK, lapK := ek.Eval(kth, x, gk)
			// Both evaluate the same sums in a different order: 1e-12.
			const tol = 1e-12
			require.True(t, scalar.EqualWithinAbsOrRel(phiF, phiK, tol, tol), "%s t=%v: φ = %v, kernel program %v", name, tm, phiF, phiK)
			require.True(t, scalar.EqualWithinAbsOrRel(lapF, lapK, tol, tol), "%s t=%v: Δφ = %v, kernel program %v", name, tm, lapF, lapK)
			for i := range gf {
				require.True(t, scalar.EqualWithinAbsOrRel(gf[i], gk[i], tol, tol), "%s t=%v: ∇φ[%d] = %v, kernel program %v", name, tm, i, gf[i], gk[i])
			}
			c, s, u := rng.NormFloat64(), rng.NormFloat64(), randVec(rng, D)
			dxF, dxK := make([]float64, D), make([]float64, D)
			dthF, dthK, dth := make([]float64, len(theta)), make([]float64, len(kth)), make([]float64, len(theta))
			ef.Reverse(theta, x, c, u, s, dxF, dthF)
			ek.Reverse(kth, x, c, u, s, dxK, dthK)
			m.Back(dth, dthK, theta, tm, scratch)
			for i := range dthF {
				require.True(t, scalar.EqualWithinAbsOrRel(dth[i], dthF[i], 1e-10, 1e-10), "%s t=%v: ∂G/∂θ[%d] through the map = %v, want %v", name, tm, i, dth[i], dthF[i])
			}
			// Without gates, moving θ′ to another time rewrites the biases
			// alone, bit for bit as forming it anew.
			require.Equal(t, name != "concat", m.Gated, name)
			if !m.Gated {
				moved, fresh := append([]float64(nil), kth...), make([]float64, len(kth))
				m.ApplyBias(moved, theta, tm+0.3, scratch)
				m.Apply(fresh, theta, tm+0.3, scratch)
				require.Equal(t, fresh, moved, "%s: ApplyBias at t=%v", name, tm+0.3)
				require.NotEqual(t, kth, moved, "%s: the biases depend on t", name)
			}
		}
	}
}
