// Package potentialtest is the test suite every generated model runs (in
// the style of gonum's testblas): a generated <model>.maf_test.go calls
// [Check] and [Bench], so fixing the suite fixes every model.
//
// Check compares every kernel of a [runtime.Potential] with
//   - the reference evaluator of the IR it was generated from (differential
//     test on random inputs and parameters),
//   - finite differences (∇φ against central differences of φ, Δφ against
//     gonum's fd.Laplacian, the reverse mode against central differences of
//     G = c·φ + uᵀ∇φ + s·Δφ in random directions, the Hutchinson estimate
//     against second differences along its probes),
//   - the declared symmetries (φ(g·x) = φ(x), ∇φ(g·x) = g·∇φ(x),
//     Δφ(g·x) = Δφ(x) for every generator g),
//
// checks that batches give the same numbers as single inputs across chunk
// boundaries, and that no hot method allocates.
package potentialtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// Options tune Check. The zero value is right for generated tests.
type Options struct {
	// Samples is the number of random inputs compared with the reference
	// evaluator (default: as many as fit in about two seconds, 1 to 4).
	Samples int
}

// Tolerances. Every comparison uses scalar.EqualWithinAbsOrRel(got, want,
// tol, tol).
const (
	// refTol64 compares float64 kernels with the float64 reference
	// evaluator: both compute the same exact formulas, in different orders
	// (BLAS blocking, closed forms, receptive fields), so they agree to a
	// few hundred ulps.
	refTol64 = 1e-10
	// refTol32 compares float32 kernels with the float64 reference: about
	// 1e3·ε₃₂ for sums of hundreds of terms.
	refTol32 = 2e-3
	// gradTol compares ∇φ with central differences of φ (gonum's default
	// step 1e-6: truncation O(h²), rounding O(ε/h) ≈ 1e-10·|φ|).
	gradTol = 1e-6
	// lapTol compares Δφ with fd.Laplacian (Central2nd, step 1e-4:
	// O(h²)·φ'''' + O(ε/h²) per coordinate, summed over D coordinates).
	lapTol = 1e-5
	// revTol compares the reverse mode with central differences of G, which
	// already contains second derivatives (step 1e-5).
	revTol = 1e-5
	// symTol checks exact symmetries in float64.
	symTol = 1e-12
)

func is32(p runtime.Potential) bool { return p.Program().Precision == "float32" }

// Check runs the suite on model m. It modifies m's parameters (random
// perturbations) and leaves them perturbed. A time-dependent model
// (runtime.TimeDependent) runs the whole suite at several times, every
// workspace set to that time, and the time checks of checkTime.
func Check(t *testing.T, m runtime.Potential, opt Options) {
	if !runtime.IsTimeDependent(m) {
		check(t, m, opt, 0)
		return
	}
	for _, tm := range checkTimes(m.Program()) {
		t.Run(fmt.Sprintf("t=%g", tm), func(t *testing.T) { check(t, atTime(m, tm), opt, tm) })
	}
	t.Run("time", func(t *testing.T) { checkTime(t, m) })
}

// check runs the suite at the time tm of a time-dependent model (its
// workspaces are already at tm).
func check(t *testing.T, m runtime.Potential, opt Options, tm float64) {
	prog := m.Program()
	D, P := m.Dim(), m.NumParams()
	rng := rand.New(rand.NewPCG(7, 11))
	theta := m.Params()
	prog.InitParams(theta, 1)
	for i := range theta {
		theta[i] += 0.05 * rng.NormFloat64()
	}
	m.Sync()
	ref := refeval.New(prog)
	ref.SetTime(tm)
	tol := tolFor(m, refTol64, refTol32)
	eq := func(got, want, tol float64) bool { return scalar.EqualWithinAbsOrRel(got, want, tol, tol) }

	// How many samples the reference can afford.
	samples := opt.Samples
	if samples == 0 {
		x := randVec(rng, D, 1)
		start := time.Now()
		ref.Eval(theta, x, make([]float64, D))
		el := time.Since(start)
		samples = max(1, min(4, int(2*time.Second/(3*el+1))))
	}
	B := samples
	x := randVec(rng, B*D, 1)
	ws := m.NewWorkspace(B)

	t.Run("reference", func(t *testing.T) {
		phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
		m.Laplacian(ws, phi, grad, lap, x)
		phi2, grad2 := make([]float64, B), make([]float64, B*D)
		m.Grad(ws, phi2, grad2, x)
		phi3 := make([]float64, B)
		m.Phi(ws, phi3, x)
		rg := make([]float64, D)
		for b := 0; b < B; b++ {
			xb := x[b*D : (b+1)*D]
			wphi, wlap := ref.Eval(theta, xb, rg)
			for name, got := range map[string]float64{"Laplacian φ": phi[b], "Grad φ": phi2[b], "Phi": phi3[b]} {
				if !eq(got, wphi, tol) {
					t.Errorf("%s(x_%d) = %v, want (reference) %v", name, b, got, wphi)
				}
			}
			if !eq(lap[b], wlap, tol) {
				t.Errorf("Laplacian Δφ(x_%d) = %v, want (reference) %v", b, lap[b], wlap)
			}
			for i := 0; i < D; i++ {
				if !eq(grad[b*D+i], rg[i], tol) || !eq(grad2[b*D+i], rg[i], tol) {
					t.Fatalf("∇φ(x_%d)[%d] = %v (Laplacian), %v (Grad), want (reference) %v", b, i, grad[b*D+i], grad2[b*D+i], rg[i])
				}
			}
		}
	})

	t.Run("reverse-reference", func(t *testing.T) {
		c, s := randVec(rng, B, 1), randVec(rng, B, 1)
		u := randVec(rng, B*D, 1)
		dx, dth := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx, dth, x, c, u, s)
		wdx, wdth, tmp := make([]float64, D), make([]float64, P), make([]float64, D)
		for b := 0; b < B; b++ {
			ref.Reverse(theta, x[b*D:(b+1)*D], c[b], u[b*D:(b+1)*D], s[b], tmp, wdth)
			for i := range tmp {
				wdx[i] = tmp[i]
				if !eq(dx[b*D+i], wdx[i], tol) {
					t.Fatalf("Reverse ∂G/∂x(x_%d)[%d] = %v, want (reference) %v", b, i, dx[b*D+i], wdx[i])
				}
			}
		}
		scale := 0.0
		for _, v := range wdth {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range dth {
			if !scalar.EqualWithinAbsOrRel(dth[i], wdth[i], tol*(1+scale), tol) {
				t.Fatalf("Reverse ∂G/∂θ[%d] = %v, want (reference) %v", i, dth[i], wdth[i])
			}
		}
	})

	if !is32(m) {
		t.Run("finite-differences", func(t *testing.T) { checkFD(t, m, rng) })
	}
	t.Run("hutchinson", func(t *testing.T) { checkHutch(t, m, rng) })
	t.Run("batch", func(t *testing.T) { checkBatch(t, m, rng) })
	t.Run("deferred-gradient", func(t *testing.T) { checkDefer(t, m, rng) })
	t.Run("saved-first-layer", func(t *testing.T) { checkSaver(t, m, rng) })
	t.Run("without-phi", func(t *testing.T) { checkWithoutPhi(t, m, rng) })
	t.Run("symmetry", func(t *testing.T) { checkSymmetry(t, m, rng) })
	t.Run("flow-symmetry", func(t *testing.T) { checkFlowSymmetry(t, m, rng) })
	t.Run("allocs", func(t *testing.T) {
		if testing.Short() {
			t.Skip("allocation counts are skipped in -short")
		}
		checkAllocs(t, m, rng)
	})
}

func randVec(rng *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * rng.NormFloat64()
	}
	return v
}

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

// checkHutch compares the Hutchinson estimate with second differences of φ
// along its probes and its reverse mode with differences of G_H.
func checkHutch(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	ws := m.NewWorkspace(1)
	x := randVec(rng, D, 1)
	probes := make([]float64, K*D)
	for i := range probes {
		probes[i] = float64(2*rng.IntN(2) - 1)
	}
	lap := []float64{0}
	m.Hutchinson(ws, nil, nil, lap, x, probes)
	exact := []float64{0}
	m.Laplacian(ws, nil, nil, exact, x)
	// vᵀHv from the exact reverse mode: G = uᵀ∇φ with u = v gives
	// ∂G/∂x = H·v.
	var want float64
	dx, dth := make([]float64, D), make([]float64, P)
	for k := 0; k < K; k++ {
		v := probes[k*D : (k+1)*D]
		m.Reverse(ws, dx, dth, x, nil, v, nil)
		for i := range v {
			want += v[i] * dx[i]
		}
	}
	want /= float64(K)
	tol := tolFor(m, 1e-9, refTol32)
	if !scalar.EqualWithinAbsOrRel(lap[0], want, tol, tol) {
		t.Errorf("Hutchinson = %v, want (1/P)Σ vᵀHv = %v", lap[0], want)
	}
	if is32(m) {
		return
	}
	c, s := rng.NormFloat64(), rng.NormFloat64()
	u := randVec(rng, D, 1)
	G := func(y []float64) float64 {
		ph, gr, lp := []float64{0}, make([]float64, D), []float64{0}
		m.Hutchinson(ws, ph, gr, lp, y, probes)
		g := c*ph[0] + s*lp[0]
		for i := range u {
			g += u[i] * gr[i]
		}
		return g
	}
	clear(dth)
	m.ReverseHutchinson(ws, dx, dth, x, []float64{c}, u, []float64{s}, probes)
	checkDirectional(t, "ReverseHutchinson", m, rng, x, G, dx, dth)
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

// checkBatch checks that a batch spanning several chunks gives the numbers
// of single-sample calls.
func checkBatch(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P := m.Dim(), m.NumParams()
	ws1 := m.NewWorkspace(1)
	// Five samples in chunks of two: three chunks, the last one short.
	B := 5
	ch, ok := m.(runtime.Chunker)
	if !ok {
		t.Fatalf("%T does not implement runtime.Chunker", m)
	}
	wsB := ch.NewWorkspaceChunks(B, 2, 2)
	x := randVec(rng, B*D, 1)
	u := randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Laplacian(wsB, phi, grad, lap, x)
	// The value-only methods chunk on their own.
	phiV, gradV, phiP := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Grad(wsB, phiV, gradV, x)
	m.Phi(wsB, phiP, x)
	dx, dth := make([]float64, B*D), make([]float64, P)
	m.Reverse(wsB, dx, dth, x, c, u, s)
	dth1 := make([]float64, P)
	tol := tolFor(m, 1e-12, 1e-5)
	for b := 0; b < B; b++ {
		p1, g1, l1 := []float64{0}, make([]float64, D), []float64{0}
		m.Laplacian(ws1, p1, g1, l1, x[b*D:(b+1)*D])
		if !scalar.EqualWithinAbsOrRel(phi[b], p1[0], tol, tol) || !scalar.EqualWithinAbsOrRel(lap[b], l1[0], tol, tol) {
			t.Fatalf("batch sample %d: (φ, Δφ) = (%v, %v), alone (%v, %v)", b, phi[b], lap[b], p1[0], l1[0])
		}
		if !scalar.EqualWithinAbsOrRel(phiV[b], p1[0], tol, tol) || !scalar.EqualWithinAbsOrRel(phiP[b], p1[0], tol, tol) {
			t.Fatalf("batch sample %d: φ from Grad %v and Phi %v, alone %v", b, phiV[b], phiP[b], p1[0])
		}
		for i := 0; i < D; i++ {
			if !scalar.EqualWithinAbsOrRel(gradV[b*D+i], g1[i], tol, tol) {
				t.Fatalf("batch sample %d: ∇φ from Grad differs from a single-sample call at %d: %v vs %v", b, i, gradV[b*D+i], g1[i])
			}
		}
		d1 := make([]float64, D)
		m.Reverse(ws1, d1, dth1, x[b*D:(b+1)*D], c[b:b+1], u[b*D:(b+1)*D], s[b:b+1])
		for i := range d1 {
			if !scalar.EqualWithinAbsOrRel(dx[b*D+i], d1[i], tol, tol) || !scalar.EqualWithinAbsOrRel(grad[b*D+i], g1[i], tol, tol) {
				t.Fatalf("batch sample %d: ∇φ or ∂G/∂x differs from a single-sample call at %d", b, i)
			}
		}
	}
	// Summing Σ_b ∂G_b/∂θ in another order: a few ulps of the largest term.
	thTol := tolFor(m, 1e-9, 1e-4)
	requireClose(t, dth, dth1, thTol, "batch ∂G/∂θ[%d] = %v, sum of single-sample calls %v")
}

// checkDefer checks that Reverse with deferred gradient terms followed by
// FlushGrad equals Reverse without deferral.
func checkDefer(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	d, ok := m.(runtime.GradDeferrer)
	if !ok {
		t.Skip("the potential does not implement runtime.GradDeferrer")
	}
	D, P := m.Dim(), m.NumParams()
	const B = 3
	ws := m.NewWorkspace(B)
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	dx, want := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx, want, x, c, u, s)
	m.Reverse(ws, dx, want, x, c, u, s)
	got := make([]float64, P)
	d.DeferGrad(ws, true)
	m.Reverse(ws, dx, got, x, c, u, s)
	m.Reverse(ws, dx, got, x, c, u, s)
	d.FlushGrad(ws, got)
	d.DeferGrad(ws, false)
	tol := tolFor(m, 1e-12, 1e-5)
	requireClose(t, got, want, tol, "deferred ∂G/∂θ[%d] = %v, want %v")
}

func checkSymmetry(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	prog := m.Program()
	if len(prog.Exact()) == 0 {
		t.Skip("no exact symmetry declared")
	}
	D := m.Dim()
	ws := m.NewWorkspace(1)
	x := randVec(rng, D, 1)
	phi0, g0, l0 := []float64{0}, make([]float64, D), []float64{0}
	m.Laplacian(ws, phi0, g0, l0, x)
	tol := tolFor(m, symTol, 1e-5)
	for _, s := range prog.Exact() {
		for _, g := range ir.Generators(s.Group, prog.InputShape()) {
			gx := make([]float64, D)
			g.Apply(gx, x)
			phi1, g1, l1 := []float64{0}, make([]float64, D), []float64{0}
			m.Laplacian(ws, phi1, g1, l1, gx)
			if !scalar.EqualWithinAbsOrRel(phi1[0], phi0[0], tol, tol) {
				t.Errorf("%s (%s): φ(g·x) = %v, φ(x) = %v", s.Group, s.Strategy, phi1[0], phi0[0])
			}
			if !scalar.EqualWithinAbsOrRel(l1[0], l0[0], tol, tol) {
				t.Errorf("%s (%s): Δφ(g·x) = %v, Δφ(x) = %v", s.Group, s.Strategy, l1[0], l0[0])
			}
			gg := make([]float64, D)
			g.Apply(gg, g0)
			for i := range gg {
				if !scalar.EqualWithinAbsOrRel(g1[i], gg[i], tol, tol) {
					t.Fatalf("%s (%s): ∇φ(g·x)[%d] = %v, (g·∇φ(x))[%d] = %v", s.Group, s.Strategy, i, g1[i], i, gg[i])
				}
			}
		}
	}
}

// checkFlowSymmetry samples x from the flow and checks that the density
// direction gives ln p_T(g·x) = ln p_T(x) for every generator g: the flow of
// an invariant potential commutes with g, also after discretisation.
func checkFlowSymmetry(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	prog := m.Program()
	if len(prog.Exact()) == 0 {
		t.Skip("no exact symmetry declared")
	}
	D := m.Dim()
	const B = 2
	it, err := ode.New(m, ode.Config{Tableau: ode.RK4, Steps: 4, Dt: 0.1, MaxBatch: B})
	if err != nil {
		t.Fatal(err)
	}
	x := randVec(rng, B*D, 1)
	a := make([]float64, B)
	it.Run(x, a, +1, false, 0)
	nll := func(y []float64) []float64 {
		z := append([]float64(nil), y...)
		acc := make([]float64, B)
		it.Run(z, acc, -1, false, 0)
		for b := range acc {
			acc[b] -= ode.LogNormal(z[b*D : (b+1)*D])
		}
		return acc
	}
	want := nll(x)
	tol := tolFor(m, 1e-10, 1e-4)
	for _, s := range prog.Exact() {
		for _, g := range ir.Generators(s.Group, prog.InputShape()) {
			gx := make([]float64, B*D)
			for b := 0; b < B; b++ {
				g.Apply(gx[b*D:(b+1)*D], x[b*D:(b+1)*D])
			}
			got := nll(gx)
			for b := range got {
				if !scalar.EqualWithinAbsOrRel(got[b], want[b], tol, tol) {
					t.Errorf("%s (%s): −ln p_T(g·x_%d) = %v, −ln p_T(x_%d) = %v", s.Group, s.Strategy, b, got[b], b, want[b])
				}
			}
		}
	}
}

// methodCall is one method of a Potential, bound to the buffers of a
// methodBatch.
type methodCall struct {
	name string
	f    func()
}

// methodBatch is a workspace and the arguments of every method of a
// Potential for a batch of random points.
type methodBatch struct {
	ws                                 runtime.Workspace
	x, u, probes, phi, grad, lap, c, s []float64
	dx, dth                            []float64
}

// newMethodBatch draws a batch of B points (x, u and the probes, in that
// order, from rng) and allocates the outputs.
func newMethodBatch(m runtime.Potential, rng *rand.Rand, B int) *methodBatch {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	mb := &methodBatch{ws: m.NewWorkspace(B)}
	mb.x, mb.u = randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	mb.probes = randVec(rng, B*K*D, 1)
	mb.phi, mb.grad, mb.lap = make([]float64, B), make([]float64, B*D), make([]float64, B)
	mb.c, mb.s = make([]float64, B), make([]float64, B)
	mb.dx, mb.dth = make([]float64, B*D), make([]float64, P)
	return mb
}

// calls returns the forward methods (Phi, Grad, Laplacian, Hutchinson) and
// Reverse bound to mb, and with all also ReverseHutchinson and Sync.
func (mb *methodBatch) calls(m runtime.Potential, all bool) []methodCall {
	ws, x, u, probes, c, s := mb.ws, mb.x, mb.u, mb.probes, mb.c, mb.s
	phi, grad, lap, dx, dth := mb.phi, mb.grad, mb.lap, mb.dx, mb.dth
	calls := []methodCall{
		{"Phi", func() { m.Phi(ws, phi, x) }},
		{"Grad", func() { m.Grad(ws, phi, grad, x) }},
		{"Laplacian", func() { m.Laplacian(ws, phi, grad, lap, x) }},
		{"Hutchinson", func() { m.Hutchinson(ws, phi, grad, lap, x, probes) }},
		{"Reverse", func() { m.Reverse(ws, dx, dth, x, c, u, s) }},
	}
	if all {
		calls = append(calls,
			methodCall{"ReverseHutchinson", func() { m.ReverseHutchinson(ws, dx, dth, x, c, u, s, probes) }},
			methodCall{"Sync", m.Sync})
	}
	if sv, ok := m.(runtime.Saver); ok && all {
		save := make([]float64, len(phi)*sv.SaveSize())
		calls = append(calls,
			methodCall{"LaplacianSave", func() { sv.LaplacianSave(ws, phi, grad, lap, x, save) }},
			methodCall{"ReverseSaved", func() { sv.ReverseSaved(ws, dx, dth, x, c, u, s, save) }})
	}
	return calls
}

// tolFor returns tol64, or tol32 for a float32 potential.
func tolFor(m runtime.Potential, tol64, tol32 float64) float64 {
	if is32(m) {
		return tol32
	}
	return tol64
}

// requireClose stops the test at the first i where got[i] and want[i]
// differ by more than tol, absolutely and relatively; msg formats i,
// got[i] and want[i].
func requireClose(t *testing.T, got, want []float64, tol float64, msg string) {
	t.Helper()
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Fatalf(msg, i, got[i], want[i])
		}
	}
}

func checkAllocs(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	for _, tc := range newMethodBatch(m, rng, 2).calls(m, true) {
		if n := testing.AllocsPerRun(5, tc.f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", tc.name, n)
		}
	}
}

// checkSaver checks, for a runtime.Saver, that LaplacianSave gives what
// Laplacian gives, that ReverseSaved with its save gives what Reverse gives
// (in chunks of two, so that every chunk finds its own rows), that
// ReverseSaved really reads save, and that the workspace forgets save
// afterwards.
func checkSaver(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	sv, ok := m.(runtime.Saver)
	if !ok {
		t.Skip("the potential has no dense layer of the input to keep (or averages a symmetry orbit)")
	}
	D, P := m.Dim(), m.NumParams()
	const B = 5
	ws := m.(runtime.Chunker).NewWorkspaceChunks(B, 2, 2)
	x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	save := make([]float64, B*sv.SaveSize())
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	phiS, gradS, lapS := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Laplacian(ws, phi, grad, lap, x)
	sv.LaplacianSave(ws, phiS, gradS, lapS, x, save)
	tol := tolFor(m, 1e-12, 1e-5)
	same := func(what string, got, want []float64) {
		t.Helper()
		if i := firstDiff(got, want, tol); i >= 0 {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
	same("LaplacianSave φ", phiS, phi)
	same("LaplacianSave ∇φ", gradS, grad)
	same("LaplacianSave Δφ", lapS, lap)
	if allZeroVec(save) {
		t.Fatal("LaplacianSave left save zero")
	}
	dx, dth := make([]float64, B*D), make([]float64, P)
	dxS, dthS := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx, dth, x, c, u, s)
	sv.ReverseSaved(ws, dxS, dthS, x, c, u, s, save)
	same("ReverseSaved ∂G/∂x", dxS, dx)
	same("ReverseSaved ∂G/∂θ", dthS, dth)
	// A perturbed save must change the result: ReverseSaved reads it.
	for i := range save {
		save[i] += 0.5
	}
	dxP, dthP := make([]float64, B*D), make([]float64, P)
	sv.ReverseSaved(ws, dxP, dthP, x, c, u, s, save)
	differs := false
	for i := range dxP {
		differs = differs || math.Abs(dxP[i]-dx[i]) > 1e-6*(1+math.Abs(dx[i]))
	}
	if !differs {
		t.Error("ReverseSaved ignores save")
	}
	// Afterwards the workspace computes everything again.
	dx2, dth2 := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx2, dth2, x, c, u, s)
	same("Reverse after ReverseSaved ∂G/∂x", dx2, dx)
}

// checkWithoutPhi checks that leaving out φ (Laplacian with phi nil) or c
// (Reverse with c nil), which lets a model skip σ where only φ needs it,
// changes none of the other results: they equal those of calls with phi,
// and with c = 0. Calls alternate on one workspace, so a value left behind
// by one kind of call would show in the next.
func checkWithoutPhi(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	D, P := m.Dim(), m.NumParams()
	const B = 3
	ws := m.NewWorkspace(B)
	x, u, s := randVec(rng, B*D, 1), randVec(rng, B*D, 1), randVec(rng, B, 1)
	zero := make([]float64, B)
	for round := 0; round < 2; round++ {
		phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
		m.Laplacian(ws, phi, grad, lap, x)
		grad0, lap0 := make([]float64, B*D), make([]float64, B)
		m.Laplacian(ws, nil, grad0, lap0, x)
		dx, dth := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx, dth, x, zero, u, s)
		dx0, dth0 := make([]float64, B*D), make([]float64, P)
		m.Reverse(ws, dx0, dth0, x, nil, u, s)
		for _, c := range []struct {
			what      string
			got, want []float64
		}{{"∇φ without φ", grad0, grad}, {"Δφ without φ", lap0, lap}, {"∂G/∂x with c = nil", dx0, dx}, {"∂G/∂θ with c = nil", dth0, dth}} {
			if i := firstDiff(c.got, c.want, 1e-14); i >= 0 {
				t.Fatalf("%s: [%d] = %v, want %v", c.what, i, c.got[i], c.want[i])
			}
		}
	}
}

// firstDiff returns the first index where got and want differ by more than
// tol (absolute or relative), or −1.
func firstDiff(got, want []float64, tol float64) int {
	for i := range got {
		if got[i] != want[i] && !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			return i
		}
	}
	return -1
}

func allZeroVec(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// Batch sizes for Bench.
const (
	Single = 1
	Small  = 16
	Large  = 100
)

// Bench times Phi, Grad, Laplacian, Hutchinson and Reverse at batch sizes
// 1, 16 and 100 (samples/s are reported as a metric).
func Bench(b *testing.B, m runtime.Potential) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, B := range []int{Single, Small, Large} {
		for _, tc := range newMethodBatch(m, rng, B).calls(m, false) {
			b.Run(tc.name+"/B="+itoa(B), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tc.f()
				}
				b.ReportMetric(float64(B*b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
