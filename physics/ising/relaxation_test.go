package ising

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// adjacency builds the dense adjacency matrix of the periodic lattice
// directly from the neighbour lists (independently of the Fourier code).
func adjacency(l Lattice) *mat.SymDense {
	n := l.N()
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for _, j := range l.Neighbours(i) {
			a.SetSym(i, j, 1)
		}
	}
	return a
}

// denseK returns K = βA + αI as a dense symmetric matrix.
func denseK(l Lattice, beta, alpha float64) *mat.SymDense {
	a := adjacency(l)
	n := l.N()
	k := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := beta * a.At(i, j)
			if i == j {
				v += alpha
			}
			k.SetSym(i, j, v)
		}
	}
	return k
}

var relaxCases = []struct {
	L1, L2 int
	T      float64
}{
	{3, 3, 1.0}, {4, 4, Tc}, {3, 5, 2.5}, {4, 6, 0.5}, {5, 4, 5.0}, {6, 6, Tc}, {5, 7, 1.7}, {8, 8, 3.0},
}

func TestRelaxationSpectrumVsGonum(t *testing.T) {
	for _, tc := range relaxCases {
		t.Run(fmt.Sprintf("%dx%d/T=%g", tc.L1, tc.L2, tc.T), func(t *testing.T) {
			r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
			require.NoError(t, err)
			l := Lattice{tc.L1, tc.L2}
			n := l.N()

			var eig mat.EigenSym
			require.True(t, eig.Factorize(adjacency(l), false))
			vals := eig.Values(nil)
			lmin := vals[0]
			for _, v := range vals {
				lmin = math.Min(lmin, v)
			}
			// Symmetric eigensolver: backward error ~ n·eps·‖A‖ with ‖A‖ = 4.
			assert.InDelta(t, lmin, r.LambdaMinA(), 1e-12, "λ_min(A)")
			if tc.L1%2 == 0 && tc.L2%2 == 0 {
				assert.Equal(t, -4.0, r.LambdaMinA())
				assert.InDelta(t, 0.1+4/tc.T, r.Alpha(), 1e-15)
			}
			assert.InDelta(t, 0.1-lmin/tc.T, r.Alpha(), 1e-12, "α")

			k := denseK(l, r.Beta(), r.Alpha())
			var keig mat.EigenSym
			require.True(t, keig.Factorize(k, false))
			kmin := math.Inf(1)
			for _, v := range keig.Values(nil) {
				kmin = math.Min(kmin, v)
			}
			// λ_min(K) = 0.1 by construction (eigensolver error ~1e-14).
			assert.InDelta(t, 0.1, kmin, 1e-12, "λ_min(K)")

			var lu mat.LU
			lu.Factorize(k)
			ld, sign := lu.LogDet()
			assert.Equal(t, 1.0, sign)
			// LU log-determinant: relative error ~ n·cond(K)·eps ≲ 1e-12.
			assert.InDelta(t, 0, relErr(r.LogDetK(), ld), 1e-12, "ln det K")

			var inv mat.Dense
			require.NoError(t, inv.Inverse(k))
			kinv := r.KInv()
			require.Len(t, kinv, n*n)
			maxAbs := mat.Norm(&inv, math.Inf(1))
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					// LU inverse error ~ cond(K)·eps·‖K⁻¹‖ with cond(K) ≤ 8/(0.1T)+1 ≤ 200.
					require.InDelta(t, inv.At(i, j), kinv[i*n+j], 1e-12*maxAbs, "K⁻¹[%d,%d]", i, j)
					require.Equal(t, kinv[i*n+j], kinv[j*n+i], "symmetry")
				}
			}

			fn := float64(n)
			wantC := fn*math.Ln2 - r.Alpha()*fn/2 - fn/2*math.Log(2*math.Pi) - ld/2
			assert.InDelta(t, 0, relErr(r.C(), wantC), 1e-12, "C")
			assert.Equal(t, n, r.N())
			assert.Equal(t, tc.T, r.T())
			assert.Equal(t, l, r.Lattice())
			assert.InDelta(t, LogZ(tc.L1, tc.L2, tc.T)-r.C(), r.LogZCont(), 1e-12*math.Abs(r.LogZCont()))
		})
	}
}

func TestNewRelaxationErrors(t *testing.T) {
	for _, tc := range []struct {
		L1, L2 int
		T      float64
	}{{2, 4, 1}, {4, 2, 1}, {0, 0, 1}, {4, 4, 0}, {4, 4, -1}, {4, 4, math.NaN()}, {4, 4, math.Inf(1)}, {129, 129, 1}} {
		r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
		assert.Error(t, err, "%+v", tc)
		assert.Nil(t, r)
	}
}

// The Hubbard–Stratonovich bookkeeping: ½ sᵀKs = β Σ_<ij> s_i s_j + αN/2
// for random spins, with K built densely from the neighbour lists.
func TestHalfSKSIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range relaxCases {
		r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
		require.NoError(t, err)
		l := r.Lattice()
		n := l.N()
		k := denseK(l, r.Beta(), r.Alpha())
		s := make([]int8, n)
		sv := mat.NewVecDense(n, nil)
		for rep := 0; rep < 20; rep++ {
			for i := range s {
				s[i] = int8(2*rng.IntN(2) - 1)
				sv.SetVec(i, float64(s[i]))
			}
			lhs := 0.5 * mat.Inner(sv, k, sv)
			rhs := -r.Beta()*Energy(s, l.L1, l.L2) + r.Alpha()*float64(n)/2
			// Sums of O(N) terms of size O(β+α): rounding ~1e-14.
			require.InDelta(t, rhs, lhs, 1e-12, "%+v", tc)
		}
	}
}

// The mixture identity behind C: for every x,
//
//	ln π̃(x) + C = ln Σ_s exp(β Σ_<ij> s_i s_j) 𝒩(x; Ks, K),
//
// with the right side evaluated by brute force over the 2^N spins and a
// Cholesky factorisation of the dense K (independent of the Fourier K⁻¹ and
// ln det K). Integrating both sides over x gives ln Z_Ising = ln Z_cont + C,
// because each Gaussian integrates to one.
func TestHubbardStratonovichMixture(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		L1, L2 int
		T      float64
	}{{3, 3, 1.0}, {3, 3, Tc}, {3, 3, 5.0}, {3, 4, 2.0}, {4, 4, Tc}} {
		r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
		require.NoError(t, err)
		l := r.Lattice()
		n := l.N()
		k := denseK(l, r.Beta(), r.Alpha())
		var chol mat.Cholesky
		require.True(t, chol.Factorize(k))
		logDet := chol.LogDet()
		s := make([]int8, n)
		sv := mat.NewVecDense(n, nil)
		ks := mat.NewVecDense(n, nil)
		d := mat.NewVecDense(n, nil)
		sol := mat.NewVecDense(n, nil)
		x := make([]float64, n)
		reps := 4
		if n > 12 {
			reps = 1 // 2^16 Gaussian terms per point; keep the test fast
		}
		for rep := 0; rep < reps; rep++ {
			for i := range x {
				x[i] = 1.5 * rng.NormFloat64()
			}
			xv := mat.NewVecDense(n, x)
			terms := make([]float64, 0, 1<<n)
			for code := 0; code < 1<<n; code++ {
				for i := range s {
					s[i] = int8(1 - 2*((code>>i)&1))
					sv.SetVec(i, float64(s[i]))
				}
				ks.MulVec(k, sv)
				d.SubVec(xv, ks)
				require.NoError(t, chol.SolveVecTo(sol, d))
				logN := -0.5*mat.Dot(d, sol) - float64(n)/2*math.Log(2*math.Pi) - 0.5*logDet
				terms = append(terms, -r.Beta()*Energy(s, l.L1, l.L2)+logN)
			}
			top := math.Inf(-1)
			for _, v := range terms {
				top = math.Max(top, v)
			}
			var sum float64
			for _, v := range terms {
				sum += math.Exp(v - top)
			}
			rhs := top + math.Log(sum)
			// Both sides are O(10–100); Cholesky solves and the Fourier K⁻¹
			// agree to ~1e-14 relative, so 1e-11 relative is generous.
			assert.InDelta(t, 0, relErr(r.LogTarget(x)+r.C(), rhs), 1e-11, "%+v", tc)
		}
	}
}

type referenceFile struct {
	Cases []json.RawMessage `json:"cases"`
}

type referenceIsing struct {
	Name  string    `json:"name"`
	L     int       `json:"L"`
	T     float64   `json:"T"`
	Alpha float64   `json:"alpha"`
	X     []float64 `json:"x"`
	LogPi []float64 `json:"log_pi_tilde"`
	Flow  struct {
		LossPerSite float64 `json:"loss_per_site"`
	} `json:"flow"`
}

const referencePath = "../../../shared/testvectors/reference-flow.json"

func TestReferenceVectors(t *testing.T) {
	raw, err := os.ReadFile(referencePath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference vectors %s not found; skipping comparison with the paper's code", referencePath)
	}
	require.NoError(t, err)
	var f referenceFile
	require.NoError(t, json.Unmarshal(raw, &f))
	require.Greater(t, len(f.Cases), 2, "cases[2] is the Ising case")
	var c referenceIsing
	require.NoError(t, json.Unmarshal(f.Cases[2], &c))
	require.Equal(t, 4, c.L)
	// The reference temperature is Tc printed to 16 digits.
	assert.InDelta(t, Tc, c.T, 1e-15*Tc)

	r, err := NewRelaxation(c.L, c.L, c.T)
	require.NoError(t, err)
	n := r.N()
	require.Len(t, c.X, 3*n)
	require.Len(t, c.LogPi, 3)
	// Tolerance 1e-10 relative, from the brief (float64 reference code).
	assert.InDelta(t, 0, relErr(r.Alpha(), c.Alpha), 1e-10, "α")
	for b := range c.LogPi {
		got := r.LogTarget(c.X[b*n : (b+1)*n])
		t.Logf("sample %d: ln π̃ = %.15g (reference %.15g)", b, got, c.LogPi[b])
		assert.InDelta(t, 0, relErr(got, c.LogPi[b]), 1e-10, "sample %d", b)
	}
	// The case also records the loss per site of an untrained flow (a
	// 3-sample estimate); report where it sits relative to the exact optimum.
	bd := r.Bound(c.Flow.LossPerSite)
	t.Logf("L=4 reference loss ℓ = %.6f, exact optimum ℓ* = %.6f, f_bound = %.6f ≥ f = %.6f",
		bd.LossPerSite, bd.OptimalLossPerSite, bd.FBound, bd.FExact)

	dst := make([]float64, 3)
	work := make([]float64, 3*n)
	r.LogTargetBatch(dst, c.X, work)
	for b := range dst {
		assert.InDelta(t, 0, relErr(dst[b], c.LogPi[b]), 1e-10, "batch sample %d", b)
	}
}

func TestLogCosh(t *testing.T) {
	for _, x := range []float64{0, 1e-300, 1e-8, 1e-3, 0.05, 0.1, 0.3, 0.999, 1, 1.001, 2.5, 10, 20, 300} {
		for _, sx := range []float64{x, -x} {
			want := math.Log(math.Cosh(sx))
			// math.Log(math.Cosh(x)) loses ~eps/ln cosh x relative accuracy
			// because cosh x ≈ 1; the reference for it is good to 1e-14
			// relative from x = 0.3 on.
			tol := 1e-14
			if x <= 0.1 {
				// Taylor series (the integral of the tanh series) through
				// x¹²; the next term is < 1e-15 relative at x = 0.1.
				x2 := x * x
				coef := []float64{1.0 / 2, -1.0 / 12, 1.0 / 45, -17.0 / 2520, 31.0 / 14175, -691.0 / 935550}
				want = 0
				for k := len(coef) - 1; k >= 0; k-- {
					want = want*x2 + coef[k]
				}
				want *= x2
				tol = 1e-15
			}
			assert.InDelta(t, 0, relErr(LogCosh(sx), want), tol, "x=%g", sx)
		}
	}
	// Large |x| where cosh overflows: ln cosh x = |x| − ln 2 + log1p(e^{−2|x|}).
	for _, x := range []float64{1e3, -1e3, 800, 1e6} {
		assert.InDelta(t, math.Abs(x)-math.Ln2, LogCosh(x), 1e-16*math.Abs(x))
	}
}

func randomX(rng *rand.Rand, n int, scale float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

func TestLogTargetGradFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		L1, L2 int
		T      float64
	}{{3, 3, 1.0}, {4, 4, Tc}, {5, 6, 3.0}} {
		r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
		require.NoError(t, err)
		n := r.N()
		x := randomX(rng, n, 2)
		grad := make([]float64, n)
		v := r.LogTargetGrad(grad, x)
		assert.InDelta(t, r.LogTarget(x), v, 1e-13*math.Abs(v))
		xp := append([]float64(nil), x...)
		h := 1e-5
		for i := range x {
			xp[i] = x[i] + h
			fp := r.LogTarget(xp)
			xp[i] = x[i] - h
			fm := r.LogTarget(xp)
			xp[i] = x[i]
			// Central difference: truncation h²|f'''|/6 ~ 1e-10, rounding
			// eps·|f|/h ~ 1e-9; 1e-7 absolute.
			assert.InDelta(t, (fp-fm)/(2*h), grad[i], 1e-7, "%+v i=%d", tc, i)
		}
	}
}

// TestHessVecFiniteDifference: HessVec is the derivative of LogTargetGrad
// along v, scaled and added as documented.
func TestHessVecFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	for _, tc := range []struct {
		L1, L2 int
		T      float64
	}{{3, 3, 1.0}, {4, 4, Tc}, {5, 6, 3.0}} {
		r, err := NewRelaxation(tc.L1, tc.L2, tc.T)
		require.NoError(t, err)
		n := r.N()
		x, v, d0 := randomX(rng, n, 2), randomX(rng, n, 1), randomX(rng, n, 1)
		const alpha, beta = 0.7, -1.5
		dst := append([]float64(nil), d0...)
		r.HessVec(dst, alpha, x, v, beta)
		gp, gm, xp := make([]float64, n), make([]float64, n), make([]float64, n)
		const h = 1e-5
		for i := range x {
			xp[i] = x[i] + h*v[i]
		}
		r.LogTargetGrad(gp, xp)
		for i := range x {
			xp[i] = x[i] - h*v[i]
		}
		r.LogTargetGrad(gm, xp)
		for i := range x {
			want := alpha*(gp[i]-gm[i])/(2*h) + beta*d0[i]
			assert.InDelta(t, want, dst[i], 1e-7, "%+v i=%d", tc, i)
		}
		assert.Zero(t, testing.AllocsPerRun(5, func() { r.HessVec(dst, alpha, x, v, beta) }))
	}
	r, err := NewRelaxation(3, 3, 1)
	require.NoError(t, err)
	assert.Panics(t, func() { r.HessVec(make([]float64, 8), 1, make([]float64, 9), make([]float64, 9), 0) })
}

func TestBatchMatchesSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		L1, L2 int
		B      int
	}{{4, 4, 1}, {4, 4, 7}, {5, 7, 13}, {16, 16, 200}, {9, 10, 400}} {
		r, err := NewRelaxation(tc.L1, tc.L2, Tc)
		require.NoError(t, err)
		n := r.N()
		x := randomX(rng, tc.B*n, 1.5)
		dst := make([]float64, tc.B)
		work := make([]float64, tc.B*n)
		r.LogTargetBatch(dst, x, work)
		dst2 := make([]float64, tc.B)
		grad := make([]float64, tc.B*n)
		r.LogTargetGradBatch(dst2, grad, x)
		g1 := make([]float64, n)
		for b := 0; b < tc.B; b++ {
			xb := x[b*n : (b+1)*n]
			v := r.LogTargetGrad(g1, xb)
			// Same arithmetic up to summation order: ~1e-14 relative.
			require.InDelta(t, 0, relErr(dst[b], v), 1e-12, "%+v b=%d", tc, b)
			require.InDelta(t, 0, relErr(dst2[b], v), 1e-12, "%+v b=%d", tc, b)
			for i := range g1 {
				require.InDelta(t, g1[i], grad[b*n+i], 1e-12*(1+math.Abs(g1[i])), "%+v b=%d i=%d", tc, b, i)
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	r, err := NewRelaxation(16, 16, Tc)
	require.NoError(t, err)
	n := r.N()
	const B = 200 // more than one 192-row tile
	x := randomX(rng, B*n, 1)
	dst := make([]float64, B)
	work := make([]float64, B*n)
	grad := make([]float64, B*n)
	spins := make([]int8, n)
	st := NewStats(16, 16)
	assert.Zero(t, testing.AllocsPerRun(5, func() { r.LogTarget(x[:n]) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { r.LogTargetGrad(grad[:n], x[:n]) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { r.LogTargetBatch(dst, x, work) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { r.LogTargetGradBatch(dst, grad, x) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { Spins(spins, x[:n], rng) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { st.Add(spins) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { st.AddContinuous(x[:4*n], spins, rng) }))
}

func TestRelaxationPanics(t *testing.T) {
	r, err := NewRelaxation(4, 4, Tc)
	require.NoError(t, err)
	n := r.N()
	requirePanicsIsing(t, func() { r.LogTarget(make([]float64, n-1)) })
	requirePanicsIsing(t, func() { r.LogTargetGrad(make([]float64, n), make([]float64, n+1)) })
	requirePanicsIsing(t, func() { r.LogTargetGrad(make([]float64, n-1), make([]float64, n)) })
	requirePanicsIsing(t, func() { r.LogTargetBatch(make([]float64, 2), make([]float64, 2*n), make([]float64, n)) })
	requirePanicsIsing(t, func() { r.LogTargetBatch(make([]float64, 2), make([]float64, n), make([]float64, 2*n)) })
	requirePanicsIsing(t, func() { r.LogTargetGradBatch(make([]float64, 2), make([]float64, n), make([]float64, 2*n)) })
	// Empty batches are a no-op.
	r.LogTargetBatch(nil, nil, nil)
	r.LogTargetGradBatch(nil, nil, nil)
}
