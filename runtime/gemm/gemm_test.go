package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/blas/testblas"
)

type float interface{ float32 | float64 }

// gemmFunc is the common signature of Dgemm and Sgemm.
type gemmFunc[T float] func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// Tolerances, relative to the magnitude bound |alpha|·Σ_p|a_ip||b_pj| +
// |beta|·|c_ij| of each element (the usual forward error bound of a dot
// product is k·eps times that; random data gives ≈ sqrt(k)·eps):
//
//   - float64: 1e-12 (eps = 1.1e-16, so room for k up to ~10⁴ worst case),
//   - float32: 1e-5 (eps = 6e-8; random-walk error for k ≤ 1000 is ~2e-6).
const (
	tol64 = 1e-12
	tol32 = 1e-5
)

func tolFor[T float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return tol32
	}
	return tol64
}

func impl64() gemmFunc[float64]  { return Implementation{}.Dgemm }
func impl32() gemmFunc[float32]  { return Implementation{}.Sgemm }
func gonum64() gemmFunc[float64] { return gonum.Implementation{}.Dgemm }
func gonum32() gemmFunc[float32] { return gonum.Implementation{}.Sgemm }

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

func tname(t blas.Transpose) string {
	if t == blas.NoTrans {
		return "N"
	}
	return "T"
}

// pad is the value stored in the padding between rows; it must survive.
const pad = 1234.5

// matrix returns r×c random row-major data with leading dimension ld, the
// padding filled with pad.
func matrix[T float](rnd *rand.Rand, r, c, ld int) []T {
	if r == 0 {
		return nil
	}
	x := make([]T, (r-1)*ld+c)
	for i := range x {
		if i%ld < c {
			x[i] = T(rnd.Float64()*2 - 1)
		} else {
			x[i] = pad
		}
	}
	return x
}

// naive computes the expected C and the per-element error scale in float64
// with a plain triple loop.
func naive[T float](tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) (want, scale []float64) {
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, sa float64
			for p := range k {
				var av, bv float64
				if tA == blas.NoTrans {
					av = float64(a[i*lda+p])
				} else {
					av = float64(a[p*lda+i])
				}
				if tB == blas.NoTrans {
					bv = float64(b[p*ldb+j])
				} else {
					bv = float64(b[j*ldb+p])
				}
				s += av * bv
				sa += math.Abs(av * bv)
			}
			w := float64(alpha) * s
			e := math.Abs(float64(alpha)) * sa
			if alpha == 0 {
				w, e = 0, 0
			}
			if beta != 0 {
				cv := float64(c[i*ldc+j])
				w += float64(beta) * cv
				e += math.Abs(float64(beta) * cv)
			}
			want[i*n+j] = w
			scale[i*n+j] = e
		}
	}
	return want, scale
}

type gemmCase struct {
	tA, tB           blas.Transpose
	m, n, k          int
	padA, padB, padC int
	alpha, beta      float64
	nanC             bool // fill C with NaN (only meaningful with beta == 0)
}

func (gc gemmCase) String() string {
	return fmt.Sprintf("%s%s_m%d_n%d_k%d_pad%d,%d,%d_alpha%g_beta%g_nan%v",
		tname(gc.tA), tname(gc.tB), gc.m, gc.n, gc.k, gc.padA, gc.padB, gc.padC, gc.alpha, gc.beta, gc.nanC)
}

// operands draws random A, B and C (in that order) for the case gc, each
// row-major with its padded leading dimension.
func operands[T float](rnd *rand.Rand, gc gemmCase) (a, b, c []T, lda, ldb, ldc int) {
	ar, ac := gc.m, gc.k
	if gc.tA != blas.NoTrans {
		ar, ac = ac, ar
	}
	br, bc := gc.k, gc.n
	if gc.tB != blas.NoTrans {
		br, bc = bc, br
	}
	lda, ldb, ldc = max(1, ac)+gc.padA, max(1, bc)+gc.padB, max(1, gc.n)+gc.padC
	a = matrix[T](rnd, ar, ac, lda)
	b = matrix[T](rnd, br, bc, ldb)
	c = matrix[T](rnd, gc.m, gc.n, ldc)
	return a, b, c, lda, ldb, ldc
}

// checkCase runs one case through f and checks it against the naive loop and
// (when ref is not nil) against gonum. It returns false on the first
// failure so that exhaustive loops stop early.
func checkCase[T float](t *testing.T, rnd *rand.Rand, f, ref gemmFunc[T], gc gemmCase) bool {
	t.Helper()
	a, b, c, lda, ldb, ldc := operands[T](rnd, gc)
	if gc.nanC {
		for i := range c {
			if i%ldc < gc.n {
				c[i] = T(math.NaN())
			}
		}
	}
	a0 := append([]T(nil), a...)
	b0 := append([]T(nil), b...)
	c0 := append([]T(nil), c...)
	alpha, beta := T(gc.alpha), T(gc.beta)
	want, scale := naive(gc.tA, gc.tB, gc.m, gc.n, gc.k, alpha, a, lda, b, ldb, beta, c, ldc)

	f(gc.tA, gc.tB, gc.m, gc.n, gc.k, alpha, a, lda, b, ldb, beta, c, ldc)

	ok := assert.True(t, slices.Equal(a0, a), "%v: A modified", gc) && assert.True(t, slices.Equal(b0, b), "%v: B modified", gc)
	tol := tolFor[T]()
	for i := 0; ok && i < len(c); i++ {
		row, col := i/ldc, i%ldc
		if col >= gc.n {
			ok = assert.Equal(t, T(pad), c[i], "%v: padding of C written at row %d col %d", gc, row, col)
			continue
		}
		got := float64(c[i])
		w, e := want[row*gc.n+col], scale[row*gc.n+col]
		if math.IsNaN(got) || math.Abs(got-w) > tol*e+1e-300 {
			ok = assert.Failf(t, "wrong element", "%v: C[%d,%d] = %v, want %v (scale %g)", gc, row, col, got, w, e)
		}
	}
	if ok && ref != nil && !gc.nanC {
		cr := c0
		ref(gc.tA, gc.tB, gc.m, gc.n, gc.k, alpha, a, lda, b, ldb, beta, cr, ldc)
		for i := 0; ok && i < len(c); i++ {
			if i%ldc >= gc.n {
				continue
			}
			e := scale[(i/ldc)*gc.n+i%ldc]
			if math.Abs(float64(c[i]-cr[i])) > 2*tol*e+1e-300 {
				ok = assert.Failf(t, "differs from gonum", "%v: element %d: %v vs gonum %v", gc, i, c[i], cr[i])
			}
		}
	}
	return ok
}

// withSmall forces every size through the packed assembly path (and, with
// par, through the threaded path) for the duration of the test.
func withSmall(t *testing.T, par bool) {
	oldSmall, oldPar := smallMNK, parMNK
	smallMNK = 0
	if par {
		parMNK = 0
	}
	t.Cleanup(func() { smallMNK, parMNK = oldSmall, oldPar })
}

// withThreads sets the thread count for the test. The cleanup goes through
// SetThreads, which with the openblas tag also resets OpenBLAS's pool.
func withThreads(t testing.TB, n int) {
	old := threads.Load()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(int(old)) })
}

var alphaBetas = [][2]float64{{1, 0}, {1, 1}, {-1, 0.5}, {0.5, -1}, {0, 0.5}, {0, 0}, {1.5, 0}, {-0.5, 1}}

// exhaustive runs all m, n, k in [0, 40] in steps (1 up to 10, then 3, or 7
// with -short)
// in all transpose combinations with varying padding and alpha/beta.
func exhaustive[T float](t *testing.T, f, ref gemmFunc[T]) {
	rnd := rand.New(rand.NewPCG(1, 1))
	step := 3
	if testing.Short() {
		step = 7
	}
	var sizes []int
	for s := 0; s <= 40; {
		sizes = append(sizes, s)
		if s < 10 {
			s++
		} else {
			s += step
		}
	}
	grid(t, rnd, f, ref, sizes, sizes, sizes)
}

// grid checks f against ref for every m in ms, n in ns and k in ks in all
// transpose combinations, cycling through paddings (none, 1, 2 for A, B
// and C independently) and the alpha/beta pairs, with NaNs in C for half
// the cases with beta == 0. It stops at the first failure.
func grid[T float](t *testing.T, rnd *rand.Rand, f, ref gemmFunc[T], ms, ns, ks []int) {
	i := 0
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, m := range ms {
				for _, n := range ns {
					for _, k := range ks {
						i++
						ab := alphaBetas[i%len(alphaBetas)]
						gc := gemmCase{tA: tA, tB: tB, m: m, n: n, k: k,
							padA: i % 3, padB: (i / 3) % 3, padC: (i / 9) % 3,
							alpha: ab[0], beta: ab[1], nanC: ab[1] == 0 && i%2 == 0}
						if !checkCase(t, rnd, f, ref, gc) {
							return
						}
					}
				}
			}
		}
	}
}

func TestDgemmExhaustiveSmall(t *testing.T) {
	withSmall(t, false)
	exhaustive(t, impl64(), gonum64())
}

func TestSgemmExhaustiveSmall(t *testing.T) {
	withSmall(t, false)
	exhaustive(t, impl32(), gonum32())
}

// TestGemmFewRowsKernelPath runs the products with m ≤ 4, which normally
// take the matrix-vector path (dgemmRows), through the packed kernels, and
// checks the matrix-vector path on larger sizes.
func TestGemmFewRowsKernelPath(t *testing.T) {
	withSmall(t, false)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, rows := range []int{0, 4} {
		oldD, oldS := dgemmRowsMaxM, sgemmRowsMaxM
		dgemmRowsMaxM, sgemmRowsMaxM = rows, rows
		i := 0
		for _, tA := range transposes {
			for _, tB := range transposes {
				for m := 1; m <= 4; m++ {
					for _, nk := range [][2]int{{1, 1}, {3, 5}, {8, 7}, {9, 17}, {33, 31}, {17, 300}, {300, 9}, {1030, 257}} {
						if testing.Short() && nk[0]*nk[1] > 10_000 {
							continue
						}
						i++
						ab := alphaBetas[i%len(alphaBetas)]
						gc := gemmCase{tA: tA, tB: tB, m: m, n: nk[0], k: nk[1], padA: i % 3, padB: (i / 3) % 3, padC: 1 + i%2,
							alpha: ab[0], beta: ab[1], nanC: ab[1] == 0 && i%2 == 0}
						if !checkCase(t, rnd, impl64(), gonum64(), gc) || !checkCase(t, rnd, impl32(), gonum32(), gc) {
							t.Fatalf("rows path max m = %d", rows)
						}
					}
				}
			}
		}
		dgemmRowsMaxM, sgemmRowsMaxM = oldD, oldS
	}
}

// TestGemmThreadedSmall pushes small sizes through the multithreaded path.
func TestGemmThreadedSmall(t *testing.T) {
	withSmall(t, true)
	withThreads(t, 3)
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, s := range [][3]int{{7, 9, 5}, {13, 17, 11}, {37, 29, 3}, {64, 40, 33}, {1, 50, 20}, {50, 1, 20}} {
				for _, ab := range alphaBetas {
					gc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padC: 2, alpha: ab[0], beta: ab[1], nanC: ab[1] == 0}
					if !checkCase(t, rnd, impl64(), gonum64(), gc) || !checkCase(t, rnd, impl32(), gonum32(), gc) {
						return
					}
				}
			}
		}
	}
}

// oddShapes are larger sizes around the block and tile boundaries.
var oddShapes = [][3]int{
	{1, 1, 1}, {3, 3, 3}, {7, 7, 7}, {13, 13, 13}, {63, 63, 63}, {65, 65, 65},
	{127, 127, 127}, {129, 129, 129}, {255, 255, 255}, {257, 257, 257},
	{1000, 13, 65}, {7, 1000, 129}, {65, 127, 1000}, {1000, 257, 3}, {1, 1000, 257},
	{257, 1, 1000}, {129, 255, 513}, {121, 2049, 7}, {250, 130, 260},
}

func odd[T float](t *testing.T, f, ref gemmFunc[T]) {
	rnd := rand.New(rand.NewPCG(1, 1))
	shapes(t, rnd, f, ref, oddShapes)
}

// shapes checks f against ref for every (m, n, k) of list (under -short
// only those up to 2·10⁶ multiply-adds) in all transpose combinations,
// cycling through paddings and the alpha/beta pairs. It stops at the first
// failure.
func shapes[T float](t *testing.T, rnd *rand.Rand, f, ref gemmFunc[T], list [][3]int) {
	i := 0
	for _, s := range list {
		if testing.Short() && s[0]*s[1]*s[2] > 2_000_000 {
			continue
		}
		for _, tA := range transposes {
			for _, tB := range transposes {
				i++
				ab := alphaBetas[i%len(alphaBetas)]
				gc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padA: i % 5, padB: i % 3, padC: 1 + i%4,
					alpha: ab[0], beta: ab[1], nanC: ab[1] == 0 && i%2 == 1}
				if !checkCase(t, rnd, f, ref, gc) {
					return
				}
			}
		}
	}
}

func TestDgemmOddSizes(t *testing.T) { withThreadCounts(t, false, odd, impl64(), gonum64()) }

func TestSgemmOddSizes(t *testing.T) { withThreadCounts(t, false, odd, impl32(), gonum32()) }

// withThreadCounts runs check(f, ref) with one thread (unless short and
// -short is set: the threaded path is the one to check under -race) and
// with two.
func withThreadCounts[T float](t *testing.T, short bool, check func(t *testing.T, f, ref gemmFunc[T]), f, ref gemmFunc[T]) {
	for _, th := range []int{1, 2} {
		if short && testing.Short() && th == 1 {
			continue
		}
		t.Run(fmt.Sprintf("threads%d", th), func(t *testing.T) {
			withThreads(t, th)
			check(t, f, ref)
		})
	}
}

// TestAlphaZeroIgnoresAB checks that alpha == 0 does not read A and B
// (NaNs there must not reach C) and that C = beta·C, on both paths.
func TestAlphaZeroIgnoresAB(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("fallback=%v", fallback), func(t *testing.T) {
			old := forceFallback
			forceFallback = fallback
			t.Cleanup(func() { forceFallback = old })
			alphaZero(t)
		})
	}
}

func alphaZero(t *testing.T) {
	m, n, k := 40, 30, 50
	a := make([]float64, m*k)
	b := make([]float64, k*n)
	for i := range a {
		a[i] = math.NaN()
	}
	for i := range b {
		b[i] = math.Inf(1)
	}
	c := make([]float64, m*n)
	for i := range c {
		c[i] = float64(i)
	}
	Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 0, a, k, b, n, 0.5, c, n)
	for i := range c {
		require.Equal(t, 0.5*float64(i), c[i])
	}
	Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 0, a, k, b, n, 0, c, n)
	for i := range c {
		require.Equal(t, 0.0, c[i])
	}
	c32 := make([]float32, m*n)
	for i := range c32 {
		c32[i] = float32(math.NaN())
	}
	a32, b32 := make([]float32, m*k), make([]float32, k*n)
	for i := range a32 {
		a32[i] = float32(math.NaN())
	}
	Implementation{}.Sgemm(blas.Trans, blas.Trans, m, n, k, 0, a32, m, b32, k, 0, c32, n)
	for i := range c32 {
		require.Equal(t, float32(0), c32[i])
	}
}

// TestGonumSuite runs gonum's own Dgemm test cases.
func TestGonumSuite(t *testing.T) {
	withSmall(t, false)
	testblas.TestDgemm(t, Implementation{})
}

// panicValue returns the value f panics with (nil if none).
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestBadArgumentsPanicLikeGonum(t *testing.T) {
	a := make([]float64, 100)
	a32 := make([]float32, 100)
	type args struct {
		tA, tB                 blas.Transpose
		m, n, k, lda, ldb, ldc int
		la, lb, lc             int
	}
	cases := []args{
		{tA: 'X', tB: blas.NoTrans, m: 2, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: blas.NoTrans, tB: 'X', m: 2, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: 'X', tB: 'Y', m: -1, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: -1, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 2, n: -1, k: 2, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 2, n: 2, k: -1, lda: 2, ldb: 2, ldc: 2, la: 4, lb: 4, lc: 4},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 2, n: 2, k: 3, lda: 2, ldb: 2, ldc: 2, la: 9, lb: 9, lc: 9},
		{tA: blas.Trans, tB: blas.NoTrans, m: 3, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, la: 9, lb: 9, lc: 9},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 2, n: 3, k: 2, lda: 2, ldb: 2, ldc: 3, la: 9, lb: 9, lc: 9},
		{tA: blas.NoTrans, tB: blas.Trans, m: 2, n: 2, k: 3, lda: 3, ldb: 2, ldc: 2, la: 9, lb: 9, lc: 9},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 2, n: 3, k: 2, lda: 2, ldb: 3, ldc: 2, la: 9, lb: 9, lc: 9},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 0, n: 3, k: 2, lda: 2, ldb: 3, ldc: 2, la: 0, lb: 0, lc: 0},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 20, n: 20, k: 20, lda: 20, ldb: 20, ldc: 20, la: 399, lb: 400, lc: 400},
		{tA: blas.Trans, tB: blas.NoTrans, m: 20, n: 20, k: 20, lda: 20, ldb: 20, ldc: 20, la: 399, lb: 400, lc: 400},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 20, n: 20, k: 20, lda: 20, ldb: 20, ldc: 20, la: 400, lb: 399, lc: 400},
		{tA: blas.NoTrans, tB: blas.Trans, m: 20, n: 20, k: 20, lda: 20, ldb: 20, ldc: 20, la: 400, lb: 399, lc: 400},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 20, n: 20, k: 20, lda: 20, ldb: 20, ldc: 20, la: 400, lb: 400, lc: 399},
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 20, n: 20, k: 0, lda: 0, ldb: 20, ldc: 20, la: 400, lb: 400, lc: 400},
	}
	big := make([]float64, 400)
	big32 := make([]float32, 400)
	for i, c := range cases {
		sl := func(n int) []float64 {
			if n > len(a) {
				return big[:n]
			}
			return a[:n]
		}
		sl32 := func(n int) []float32 {
			if n > len(a32) {
				return big32[:n]
			}
			return a32[:n]
		}
		want := panicValue(func() {
			gonum.Implementation{}.Dgemm(c.tA, c.tB, c.m, c.n, c.k, 1, sl(c.la), c.lda, sl(c.lb), c.ldb, 0, make([]float64, c.lc), c.ldc)
		})
		require.NotNil(t, want, "case %d: gonum does not panic", i)
		assert.PanicsWithValue(t, want, func() {
			Implementation{}.Dgemm(c.tA, c.tB, c.m, c.n, c.k, 1, sl(c.la), c.lda, sl(c.lb), c.ldb, 0, make([]float64, c.lc), c.ldc)
		}, "case %d", i)
		want32 := panicValue(func() {
			gonum.Implementation{}.Sgemm(c.tA, c.tB, c.m, c.n, c.k, 1, sl32(c.la), c.lda, sl32(c.lb), c.ldb, 0, make([]float32, c.lc), c.ldc)
		})
		assert.PanicsWithValue(t, want32, func() {
			Implementation{}.Sgemm(c.tA, c.tB, c.m, c.n, c.k, 1, sl32(c.la), c.lda, sl32(c.lb), c.ldb, 0, make([]float32, c.lc), c.ldc)
		}, "case %d", i)
	}
	// m == 0 with too short slices is a quick return, as in gonum.
	assert.NotPanics(t, func() {
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, 0, 5, 5, 1, nil, 5, nil, 5, 0, nil, 5)
	})
}

// TestFallback runs the correctness checks with the assembly path disabled.
func TestFallback(t *testing.T) {
	old := forceFallback
	forceFallback = true
	t.Cleanup(func() { forceFallback = old })
	assert.Equal(t, "gonum fallback", Name())
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, s := range [][3]int{{0, 3, 3}, {1, 1, 1}, {13, 7, 29}, {65, 63, 127}} {
				for _, ab := range alphaBetas {
					gc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padC: 1, alpha: ab[0], beta: ab[1], nanC: ab[1] == 0}
					if !checkCase(t, rnd, impl64(), nil, gc) || !checkCase(t, rnd, impl32(), nil, gc) {
						return
					}
				}
			}
		}
	}
}

// TestAVX2KernelsWhereWide runs the correctness checks with the AVX-512
// kernels switched off, on CPUs where the other tests use them: the AVX2
// kernels must stay correct for CPUs without AVX-512.
func TestAVX2KernelsWhereWide(t *testing.T) {
	if !useWide {
		t.Skip("the AVX-512 kernels are not in use here, so the other tests already run the AVX2 kernels")
	}
	// Both kernel sets accumulate each element in the same order: bitwise
	// the same products.
	rnd := rand.New(rand.NewPCG(7, 7))
	const m, n, k = 37, 75, 300
	a, b := make([]float64, m*k), make([]float64, k*n)
	for i := range a {
		a[i] = rnd.NormFloat64()
	}
	for i := range b {
		b[i] = rnd.NormFloat64()
	}
	var c [2][]float64
	for i, wide := range []bool{true, false} {
		useWide = wide
		c[i] = make([]float64, m*n)
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1.5, a, k, b, n, 0, c[i], n)
	}
	assert.Equal(t, c[0], c[1], "AVX-512 and AVX2 products differ")
	useWide = false
	t.Cleanup(func() { useWide = true })
	assert.NotContains(t, Name(), "avx512")
	withThreads(t, 2)
	odd(t, impl64(), gonum64())
	odd(t, impl32(), gonum32())
	packedOdd(t, packed64(new(PackedB64)), gonum64())
	packedOdd(t, packed32(new(PackedB32)), gonum32())
}

func TestNameAndUse(t *testing.T) {
	switch {
	case haveOpenBLAS:
		assert.Equal(t, backendOpenBLAS, activeBackend())
		assert.True(t, strings.HasPrefix(Name(), "openblas (cblas)"), Name())
	case haveAsm:
		assert.Equal(t, backendAsm, activeBackend())
		assert.Contains(t, Name(), "avx2-fma")
		if haveWide && os.Getenv("MAFC_GEMM") != "avx2" {
			assert.Contains(t, Name(), "avx512")
		}
	default:
		assert.Equal(t, backendGonum, activeBackend())
		assert.Equal(t, "gonum fallback", Name())
	}
	old64, old32 := blas64.Implementation(), blas32.Implementation()
	t.Cleanup(func() { blas64.Use(old64); blas32.Use(old32) })
	Use()
	assert.IsType(t, Implementation{}, blas64.Implementation())
	assert.IsType(t, Implementation{}, blas32.Implementation())
}

func TestSetThreads(t *testing.T) {
	withThreads(t, 3)
	assert.Equal(t, 3, Threads())
	SetThreads(0)
	assert.Positive(t, Threads())
	SetThreads(-5)
	assert.Positive(t, Threads())
}

// TestConcurrentCallers has several goroutines (like the data-parallel
// trainer) call Dgemm and Sgemm at the same time on the threaded path; run
// it with -race.
func TestConcurrentCallers(t *testing.T) {
	withSmall(t, true)
	withThreads(t, 2)
	const callers = 4
	iters := 30
	if testing.Short() || raceEnabled {
		iters = 10
	}
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 1))
			for it := range iters {
				m, n, k := 1+rnd.IntN(70), 1+rnd.IntN(70), 1+rnd.IntN(70)
				tA, tB := transposes[it%2], transposes[(it/2)%2]
				if err := concurrentCheck(rnd, tA, tB, m, n, k, g%2 == 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// concurrentCheck is checkCase without testing.T (which is not for use from
// several goroutines with testify's early returns).
func concurrentCheck(rnd *rand.Rand, tA, tB blas.Transpose, m, n, k int, f32 bool) error {
	if f32 {
		return concurrentCheckT(rnd, impl32(), tA, tB, m, n, k)
	}
	return concurrentCheckT(rnd, impl64(), tA, tB, m, n, k)
}

func concurrentCheckT[T float](rnd *rand.Rand, f gemmFunc[T], tA, tB blas.Transpose, m, n, k int) error {
	lda, ldb := k, n
	if tA != blas.NoTrans {
		lda = m
	}
	if tB != blas.NoTrans {
		ldb = k
	}
	a := matrix[T](rnd, m*k/lda, lda, lda)
	b := matrix[T](rnd, k*n/ldb, ldb, ldb)
	c := matrix[T](rnd, m, n, n)
	want, scale := naive(tA, tB, m, n, k, 1, a, lda, b, ldb, 0.5, c, n)
	f(tA, tB, m, n, k, 1, a, lda, b, ldb, 0.5, c, n)
	for i, v := range c {
		if math.Abs(float64(v)-want[i]) > tolFor[T]()*scale[i] {
			return fmt.Errorf("%s%s m=%d n=%d k=%d: C[%d] = %v, want %v", tname(tA), tname(tB), m, n, k, i, v, want[i])
		}
	}
	return nil
}

// allocShapes are the production shapes (m, n, k) checked for zero
// allocations. testing.AllocsPerRun reports the integer average, so any
// per-call allocation shows up whatever the count; the counts of the bigger
// shapes are reduced to keep the test quick (100 runs of every shape in all
// transpose cases would take minutes).
var allocShapes = []struct {
	m, n, k, runs int
}{
	{256, 256, 256, 100}, // 256³
	{37, 41, 43, 100},    // small, serial
	{1024, 100, 784, 20}, // (1024×784)·(784×100)
	{1024, 784, 100, 20}, // (1024×100)·(100×784), small k
	{1024, 784, 1024, 3}, // (1024×1024)·(1024×784)
	{4000, 16, 200, 20},  // many row blocks, narrow
	{1, 1024, 784, 20},   // one row: matrix-vector path
	{4, 300, 200, 20},    // few rows: matrix-vector path
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	if activeBackend() == backendGonum {
		t.Skip("gonum fallback allocates in its parallel path")
	}
	for _, th := range []int{1, 2} {
		withThreads(t, th)
		for _, s := range allocShapes {
			runs := s.runs
			if testing.Short() {
				runs = min(runs, 5)
			}
			a64, b64, c64 := make([]float64, s.m*s.k), make([]float64, s.k*s.n), make([]float64, s.m*s.n)
			a32, b32, c32 := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
			for _, tA := range transposes {
				for _, tB := range transposes {
					lda, ldb := s.k, s.n
					if tA != blas.NoTrans {
						lda = s.m
					}
					if tB != blas.NoTrans {
						ldb = s.k
					}
					allocs := testing.AllocsPerRun(runs, func() {
						Implementation{}.Dgemm(tA, tB, s.m, s.n, s.k, 1, a64, lda, b64, ldb, 0.5, c64, s.n)
					})
					assert.Zero(t, allocs, "Dgemm threads=%d %dx%dx%d %s%s", th, s.m, s.n, s.k, tname(tA), tname(tB))
					allocs = testing.AllocsPerRun(runs, func() {
						Implementation{}.Sgemm(tA, tB, s.m, s.n, s.k, 1, a32, lda, b32, ldb, 0.5, c32, s.n)
					})
					assert.Zero(t, allocs, "Sgemm threads=%d %dx%dx%d %s%s", th, s.m, s.n, s.k, tname(tA), tname(tB))
				}
			}
		}
	}
}

func TestPlan(t *testing.T) {
	// Serial when one thread or small.
	_, _, tm, tn := plan(1024, 784, 1024, 1, 6, 8, dgemmNC, false)
	assert.Equal(t, 1, tm*tn)
	_, _, tm, tn = plan(10, 10, 10, 2, 6, 8, dgemmNC, false)
	assert.Equal(t, 1, tm*tn)
	for _, s := range [][3]int{{1024, 100, 784}, {1024, 784, 1024}, {256, 256, 256}, {102400, 784, 1024}, {1024, 784, 100}, {7, 5000, 300}} {
		for _, th := range []int{2, 3, 8} {
			rows, cols, tm, tn := plan(s[0], s[1], s[2], th, 6, 8, dgemmNC, th == 3)
			assert.GreaterOrEqual(t, tm*tn, 2, "%v", s)
			assert.Zero(t, rows%6)
			assert.Zero(t, cols%8)
			assert.GreaterOrEqual(t, tm*rows, s[0])
			assert.Less(t, (tm-1)*rows, s[0])
			assert.GreaterOrEqual(t, tn*cols, s[1])
			assert.Less(t, (tn-1)*cols, s[1])
		}
	}
}
