package refeval_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/potentialtest"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

func compile(t testing.TB, name, src string) *ir.Program {
	t.Helper()
	p, err := dsl.Compile(name, []byte(src))
	require.NoError(t, err)
	return p
}

// TestReferenceVectors checks φ, ∇φ and Δφ against the paper's original
// implementation run in float64 (testdata/reference-flow.json).
func TestReferenceVectors(t *testing.T) {
	cases, err := potentialtest.ReferenceVectors()
	require.NoError(t, err)
	// Both implementations evaluate the same closed forms in float64; 1e-12
	// relative leaves room for different summation orders.
	const tol = 1e-12
	for _, c := range cases[:2] {
		t.Run(c.Name, func(t *testing.T) {
			p := compile(t, c.Name+".maf", c.Spec())
			e := refeval.New(p)
			theta := c.Params.Flat()
			require.Len(t, theta, p.NumParams())
			grad := make([]float64, c.D)
			for b := 0; b < len(c.Phi); b++ {
				x := c.X[b*c.D : (b+1)*c.D]
				phi, lap := e.Eval(theta, x, grad)
				require.True(t, scalar.EqualWithinAbsOrRel(phi, c.Phi[b], tol, tol), "Eval φ = %v, want %v", phi, c.Phi[b])
				require.True(t, scalar.EqualWithinAbsOrRel(lap, c.Laplacian[b], tol, tol), "Eval Δφ = %v, want %v", lap, c.Laplacian[b])
				for i := range grad {
					require.True(t, scalar.EqualWithinAbsOrRel(grad[i], c.Grad[b*c.D+i], tol, tol), "Eval ∇φ[%d] = %v, want %v", i, grad[i], c.Grad[b*c.D+i])
				}
			}
		})
	}
}

// TestClosedForms checks potentials whose derivatives are known exactly.
func TestClosedForms(t *testing.T) {
	// φ = c·½xᵀx: ∇φ = c·x, Δφ = c·D.
	p := compile(t, "q.maf", "model q\ninput x: vector(5)\npotential {\n phi = 0.7 * sum(quadratic(x))\n}\n")
	e := refeval.New(p)
	x := []float64{1, -2, 0.5, 3, -0.25}
	grad := make([]float64, 5)
	phi, lap := e.Eval(nil, x, grad)
	want := 0.0
	for i, v := range x {
		want += 0.35 * v * v
		require.InDelta(t, 0.7*v, grad[i], 1e-15, "∇φ[%d]", i)
	}
	require.InDelta(t, want, phi, 1e-14)
	require.InDelta(t, 0.7*5, lap, 1e-14)

	// One hidden layer (DESIGN.md §2): Δφ = Σ_j w_j σ″(a_j) ‖W_j‖².
	p = compile(t, "one.maf", "model one\ninput x: vector(7)\npotential {\n h = tanh(dense(x, 4))\n phi = dense(h, 1, bias = false)\n}\n")
	e = refeval.New(p)
	rng := rand.New(rand.NewPCG(1, 1))
	theta := randVec(rng, p.NumParams())
	x = randVec(rng, 7)
	_, lap = e.Eval(theta, x, nil)
	W, b, w := theta[:28], theta[28:32], theta[32:36]
	var wantLap float64
	for j := 0; j < 4; j++ {
		a, r := b[j], 0.0
		for i := 0; i < 7; i++ {
			a += W[j*7+i] * x[i]
			r += W[j*7+i] * W[j*7+i]
		}
		_, _, s2, _ := ir.Tanh.Eval(a)
		wantLap += w[j] * s2 * r
	}
	require.InDelta(t, wantLap, lap, 1e-14)
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * 0.5
	}
	return v
}

// smallSpecs exercise every op and strategy on sizes where full finite
// differences are cheap.
var smallSpecs = map[string]string{
	"mlp2": `model m
input x: vector(5)
potential {
  h1 = softplus(dense(x, 6))
  h2 = swish(dense(h1, 4))
  phi = dense(h2, 1) + 0.3 * sum(quadratic(x))
}`,
	"resid": `model r
input x: vector(4)
potential {
  h0 = tanh(dense(x, 5))
  h1 = h0 - 0.5 * sigmoid(dense(h0, 5))
  phi = mean(lncosh(h1)) + sum(identity(dense(h1, 2)))
}`,
	"conv": `model c
input s: lattice(4, 3)
potential {
  h1 = lncosh(conv(s, 2, kernel = 3, bias = false))
  h2 = softplus(conv(h1, 3, kernel = (3, 1)))
  phi = dense(mean(h2, over = sites), 1) + sum(h1)
}`,
	"chain": `model ch
input s: chain(6)
potential {
  h = tanh(conv(s, 2, kernel = 3))
  phi = sum(lncosh(conv(h, 1, kernel = 5)))
}`,
	"sym": `model s
input s: lattice(3)
potential {
  h = softplus(dense(s, 4))
  phi = dense(h, 1, bias = false)
}
symmetry {
  z2 = average
  d4 = average
  translations = average
}`,
}

func TestFiniteDifferences(t *testing.T) {
	for name, src := range smallSpecs {
		t.Run(name, func(t *testing.T) {
			checkFD(t, compile(t, name+".maf", src), 3, true)
		})
	}
}

// TestBundledSpecs runs the finite-difference checks on every spec under
// testdata/ (with directional checks only for the large ones).
func TestBundledSpecs(t *testing.T) {
	files, err := filepath.Glob("../../testdata/*.maf")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			p, err := dsl.Compile(f, src)
			require.NoError(t, err)
			if testing.Short() && p.NumParams() > 200000 {
				t.Skip("large model; skipped in -short")
			}
			checkFD(t, p, 1, p.Dim() <= 64)
		})
	}
}

// checkFD compares ∇φ with central differences of φ, Δφ with gonum's
// fd.Laplacian, and the reverse mode with central differences of G along
// random directions in x and θ (and coordinate-wise in x when full).
func checkFD(t *testing.T, p *ir.Program, trials int, full bool) {
	checkFDAt(t, p, trials, full, 0)
}

// checkFDAt is checkFD at the time tm of a time-dependent program.
func checkFDAt(t *testing.T, p *ir.Program, trials int, full bool, tm float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := refeval.New(p)
	e.SetTime(tm)
	D, P := p.Dim(), p.NumParams()
	for trial := 0; trial < trials; trial++ {
		theta := make([]float64, P)
		p.InitParams(theta, uint64(trial+1))
		for i := range theta {
			theta[i] += 0.1 * rng.NormFloat64()
		}
		x := randVec(rng, D)
		grad := make([]float64, D)
		start := time.Now()
		phi, lap := e.Eval(theta, x, grad)
		// The reference evaluator is slow on purpose; on large models one
		// random direction per check keeps the test short.
		dirs := 2
		if time.Since(start) > 300*time.Millisecond {
			dirs = 1
		}
		require.InDelta(t, e.Phi(theta, x), phi, 1e-12*(1+math.Abs(phi)))
		checkForwardFD(t, e, theta, x, grad, phi, lap)
		checkReverseFD(t, rng, e, theta, x, grad, dirs, full)
	}
}

// checkForwardFD compares ∇φ (grad) and Δφ (lap) at x with central
// differences of φ = phi.
func checkForwardFD(t *testing.T, e *refeval.Evaluator, theta, x, grad []float64, phi, lap float64) {
	D := len(x)
	f := func(y []float64) float64 { return e.Phi(theta, y) }

	// Central differences have O(h²) truncation and O(ε/h) rounding
	// error; with gonum's default step 1e-6 and |φ| = O(1) that is
	// about 1e-9 absolute.
	fdGrad := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central})
	for i := range grad {
		require.True(t, scalar.EqualWithinAbsOrRel(grad[i], fdGrad[i], 1e-6, 1e-6), "∇φ[%d] = %v, want (fd) %v", i, grad[i], fdGrad[i])
	}
	// fd.Laplacian uses the second-order central formula with step
	// 1e-4 (error O(h²)·φ'''' plus O(ε/h²) ≈ 1e-8 rounding per
	// coordinate, times |φ|, since the rounding error of each second
	// difference is about 4ε·|φ|/h²): 1e-5 relative, as the house
	// style says, or 1e-5·√D·max(1, |φ|) absolute.
	fdLap := fd.Laplacian(f, x, nil)
	require.True(t, scalar.EqualWithinAbsOrRel(lap, fdLap, 1e-5*math.Sqrt(float64(D))*math.Max(1, math.Abs(phi)), 1e-5), "Δφ = %v, want (fd) %v (φ = %v)", lap, fdLap, phi)
}

// revH and revTol are the step and tolerance of the differences of G in
// checkReverseFD: G involves Δφ, so differences of G lose two more digits
// than differences of φ.
const revH, revTol = 1e-5, 1e-5

// checkReverseFD compares the reverse mode of G = cφ + uᵀ∇φ + sΔφ (random
// c, s and u from rng) at x with central differences of G along dirs
// random directions in x and θ, and coordinate-wise when full. grad is
// scratch space for ∇φ.
func checkReverseFD(t *testing.T, rng *rand.Rand, e *refeval.Evaluator, theta, x, grad []float64, dirs int, full bool) {
	D, P := len(x), len(theta)
	c, s := rng.NormFloat64(), rng.NormFloat64()
	u := randVec(rng, D)
	dx := make([]float64, D)
	dth := make([]float64, P)
	e.Reverse(theta, x, c, u, s, dx, dth)
	G := func(th, y []float64) float64 {
		phi, lap := e.Eval(th, y, grad)
		g := c*phi + s*lap
		for i := range u {
			g += u[i] * grad[i]
		}
		return g
	}
	dirCheck := func(what string, v []float64, got float64, shift func(a float64) float64) {
		want := (shift(revH) - shift(-revH)) / (2 * revH)
		require.True(t, scalar.EqualWithinAbsOrRel(got, want, revTol, revTol), "%s: ∂G·v = %v, want (fd) %v", what, got, want)
	}
	for k := 0; k < dirs; k++ {
		v := randVec(rng, D)
		got := 0.0
		for i := range v {
			got += dx[i] * v[i]
		}
		dirCheck("x", v, got, func(a float64) float64 {
			y := append([]float64(nil), x...)
			for i := range y {
				y[i] += a * v[i]
			}
			return G(theta, y)
		})
		if P == 0 {
			continue
		}
		w := randVec(rng, P)
		got = 0
		for i := range w {
			got += dth[i] * w[i]
		}
		dirCheck("θ", w, got, func(a float64) float64 {
			th := append([]float64(nil), theta...)
			for i := range th {
				th[i] += a * w[i]
			}
			return G(th, x)
		})
	}
	if full {
		checkReverseFull(t, G, theta, x, dx, dth)
	}
}

// checkReverseFull compares the gradients dx and dθ of G with
// coordinate-wise central differences (those in θ only up to 200
// parameters).
func checkReverseFull(t *testing.T, G func(th, y []float64) float64, theta, x, dx, dth []float64) {
	fdx := fd.Gradient(nil, func(y []float64) float64 { return G(theta, y) }, x, &fd.Settings{Formula: fd.Central, Step: revH})
	for i := range dx {
		require.True(t, scalar.EqualWithinAbsOrRel(dx[i], fdx[i], revTol, revTol), "∂G/∂x[%d] = %v, want (fd) %v", i, dx[i], fdx[i])
	}
	if len(theta) <= 200 {
		fdth := fd.Gradient(nil, func(th []float64) float64 { return G(th, x) }, theta, &fd.Settings{Formula: fd.Central, Step: revH})
		for i := range dth {
			require.True(t, scalar.EqualWithinAbsOrRel(dth[i], fdth[i], revTol, revTol), "∂G/∂θ[%d] = %v, want (fd) %v", i, dth[i], fdth[i])
		}
	}
}

// TestSymmetryAverage checks that the orbit average is exactly invariant.
func TestSymmetryAverage(t *testing.T) {
	p := compile(t, "sym.maf", smallSpecs["sym"])
	e := refeval.New(p)
	rng := rand.New(rand.NewPCG(1, 3))
	theta := randVec(rng, p.NumParams())
	x := randVec(rng, p.Dim())
	g0 := make([]float64, p.Dim())
	phi0, lap0 := e.Eval(theta, x, g0)
	for _, grp := range []ir.Group{ir.Z2, ir.D4, ir.Translations} {
		for _, g := range ir.Generators(grp, p.InputShape()) {
			gx := make([]float64, len(x))
			g.Apply(gx, x)
			g1 := make([]float64, p.Dim())
			phi1, lap1 := e.Eval(theta, gx, g1)
			require.InDelta(t, phi0, phi1, 1e-12)
			require.InDelta(t, lap0, lap1, 1e-12)
			gg0 := make([]float64, len(x))
			g.Apply(gg0, g0) // ∇φ(g x) = g ∇φ(x)
			for i := range g1 {
				require.InDelta(t, gg0[i], g1[i], 1e-12)
			}
		}
	}
}
