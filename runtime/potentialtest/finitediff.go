package potentialtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
)

func checkFD(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P := m.Dim(), m.NumParams()
	ws := m.NewWorkspace(1)
	x := randVec(rng, D, 1)
	phi := func(y []float64) float64 {
		out := []float64{0}
		m.Phi(ws, out, y)
		return out[0]
	}
	grad, lap := make([]float64, D), []float64{0}
	m.Laplacian(ws, nil, grad, lap, x)
	if D <= 64 {
		fdg := fd.Gradient(nil, phi, x, &fd.Settings{Formula: fd.Central})
		for i := range grad {
			if !scalar.EqualWithinAbsOrRel(grad[i], fdg[i], gradTol, gradTol) {
				t.Fatalf("Grad[%d] = %v, want (central differences) %v", i, grad[i], fdg[i])
			}
		}
		want := fd.Laplacian(phi, x, nil)
		if !scalar.EqualWithinAbsOrRel(lap[0], want, lapTol*math.Sqrt(float64(D)), lapTol) {
			t.Fatalf("Laplacian = %v, want (fd.Laplacian) %v", lap[0], want)
		}
	} else {
		// The same central formulas as gonum's fd.Gradient and
		// fd.Laplacian (Central, Central2nd), with all 2D+1 points in one
		// batched Phi call.
		const h = 1e-3
		pts := make([]float64, (2*D+1)*D)
		for i := 0; i < D; i++ {
			copy(pts[(2*i)*D:], x)
			copy(pts[(2*i+1)*D:], x)
			pts[(2*i)*D+i] += h
			pts[(2*i+1)*D+i] -= h
		}
		copy(pts[2*D*D:], x)
		vals := make([]float64, 2*D+1)
		m.Phi(m.NewWorkspace(2*D+1), vals, pts)
		f0 := vals[2*D]
		var want float64
		for i := 0; i < D; i++ {
			fp, fm := vals[2*i], vals[2*i+1]
			want += (fp - 2*f0 + fm) / (h * h)
			g := (fp - fm) / (2 * h)
			// Truncation h²/6·φ‴ ≈ 1e-7; rounding ε|φ|/h ≈ 1e-13·|φ|.
			if !scalar.EqualWithinAbsOrRel(grad[i], g, gradTol*(1+math.Abs(f0)), 1e-4) {
				t.Fatalf("Grad[%d] = %v, want (central differences) %v", i, grad[i], g)
			}
		}
		// Rounding error of the second difference: about 4ε|φ|/h² per
		// coordinate, summed over D; truncation about h²/12 times the
		// fourth derivatives, 1e-7 per coordinate.
		tol := float64(D)*(4*2.2e-16*(1+math.Abs(f0))/(h*h)+1e-7) + lapTol*math.Abs(want)
		if math.Abs(lap[0]-want) > tol {
			t.Fatalf("Laplacian = %v, want (second differences) %v ± %v", lap[0], want, tol)
		}
	}
	// Reverse mode against central differences of G in random directions.
	c, s := rng.NormFloat64(), rng.NormFloat64()
	u := randVec(rng, D, 1)
	G := func(y []float64) float64 {
		ph, gr, lp := []float64{0}, make([]float64, D), []float64{0}
		m.Laplacian(ws, ph, gr, lp, y)
		g := c*ph[0] + s*lp[0]
		for i := range u {
			g += u[i] * gr[i]
		}
		return g
	}
	dx, dth := make([]float64, D), make([]float64, P)
	m.Reverse(ws, dx, dth, x, []float64{c}, u, []float64{s})
	checkDirectional(t, "Reverse", m, rng, x, G, dx, dth)
}

// checkDirectional compares the reverse-mode derivatives dx = ∂G/∂x and
// dth = ∂G/∂θ of a method (named in messages) with central differences of
// G along a random direction in x and one in θ.
func checkDirectional(t *testing.T, name string, m runtime.Potential, rng *rand.Rand, x []float64, G func([]float64) float64, dx, dth []float64) {
	t.Helper()
	const h = 1e-5
	v := randVec(rng, len(x), 1)
	shift := func(a float64) float64 {
		y := append([]float64(nil), x...)
		for i := range y {
			y[i] += a * v[i]
		}
		return G(y)
	}
	want := (shift(h) - shift(-h)) / (2 * h)
	got := 0.0
	for i := range v {
		got += dx[i] * v[i]
	}
	if !scalar.EqualWithinAbsOrRel(got, want, revTol, revTol) {
		t.Errorf("%s: ∂G/∂x·v = %v, want (central differences) %v", name, got, want)
	}
	theta := m.Params()
	w := randVec(rng, len(theta), 1)
	shiftT := func(a float64) float64 {
		old := append([]float64(nil), theta...)
		for i := range theta {
			theta[i] += a * w[i]
		}
		m.Sync()
		gv := G(x)
		copy(theta, old)
		m.Sync()
		return gv
	}
	want = (shiftT(h) - shiftT(-h)) / (2 * h)
	got = 0
	for i := range w {
		got += dth[i] * w[i]
	}
	if !scalar.EqualWithinAbsOrRel(got, want, revTol, revTol) {
		t.Errorf("%s: ∂G/∂θ·w = %v, want (central differences) %v", name, got, want)
	}
}
