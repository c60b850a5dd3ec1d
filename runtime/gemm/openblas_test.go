//go:build openblas && cgo

package gemm

import (
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
)

// TestOpenBLASName checks that the tagged build reports the OpenBLAS
// backend with its version.
func TestOpenBLASName(t *testing.T) {
	require.Equal(t, backendOpenBLAS, activeBackend())
	name := Name()
	t.Log(name)
	assert.True(t, strings.HasPrefix(name, "openblas (cblas): "), name)
	assert.Regexp(t, regexp.MustCompile(`OpenBLAS \d+\.\d+\.\d+`), name)
	assert.False(t, asmEnabled(), "the assembly path must be off with the OpenBLAS backend")

	// The test switch still selects gonum.
	old := forceFallback
	forceFallback = true
	t.Cleanup(func() { forceFallback = old })
	assert.Equal(t, "gonum fallback", Name())
}

// TestOpenBLASThreads checks that SetThreads sizes OpenBLAS's thread pool
// and that n ≤ 0 restores OpenBLAS's start-up count.
func TestOpenBLASThreads(t *testing.T) {
	old := threads.Load()
	t.Cleanup(func() { SetThreads(int(old)) })
	for _, n := range []int{1, 2, 3, 1} {
		SetThreads(n)
		assert.Equal(t, n, Threads())
		assert.Equal(t, n, openblasThreads())
	}
	SetThreads(0)
	assert.Equal(t, openblasDefaultThreads, Threads())
	assert.Equal(t, openblasDefaultThreads, openblasThreads())
	SetThreads(-3)
	assert.Equal(t, openblasDefaultThreads, openblasThreads())
}

// TestOpenBLASPackedIsPlainCopy checks that with the OpenBLAS backend Pack
// keeps a compact copy of B and that DgemmPacked gives bit for bit the
// result of Dgemm on the original (padded) B, which goes to OpenBLAS too.
func TestOpenBLASPackedIsPlainCopy(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 11))
	var pb PackedB64
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, s := range [][3]int{{1, 1, 1}, {3, 100, 70}, {65, 63, 127}, {300, 130, 257}} {
				gc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padA: 1, padB: 3, padC: 2, alpha: 0.5, beta: -1}
				packedSameAsDgemm(t, rnd, &pb, gc)
				require.True(t, pb.plain)
				rows, cols := gc.k, gc.n
				if tB != blas.NoTrans {
					rows, cols = cols, rows
				}
				require.Len(t, pb.data, rows*cols)
			}
		}
	}
}

// TestOpenBLASIsCalled checks, by counting cgo calls, that each product
// (few rows, threaded sizes, the packed API) is one call into OpenBLAS,
// while the special cases (m·n·k below smallMNK, alpha == 0, k == 0, m == 0)
// make none.
func TestOpenBLASIsCalled(t *testing.T) {
	calls := func(f func()) int64 {
		n0 := runtime.NumCgoCall()
		f()
		return runtime.NumCgoCall() - n0
	}
	a, b, c := make([]float64, 300*300), make([]float64, 300*300), make([]float64, 300*300)
	a32, b32, c32 := make([]float32, 300*300), make([]float32, 300*300), make([]float32, 300*300)
	for _, s := range [][3]int{{1, 300, 200}, {4, 17, 33}, {300, 300, 300}, {37, 41, 43}} {
		m, n, k := s[0], s[1], s[2]
		assert.EqualValues(t, 1, calls(func() {
			Implementation{}.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, c, n)
		}), "Dgemm %v", s)
		assert.EqualValues(t, 1, calls(func() {
			Implementation{}.Sgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a32, m, b32, n, 1, c32, n)
		}), "Sgemm %v", s)
		var pb PackedB64
		var pb32 PackedB32
		pb.Pack(true, k, n, b, k)
		pb32.Pack(false, k, n, b32, n)
		assert.EqualValues(t, 1, calls(func() { DgemmPacked(false, m, 1, a, k, &pb, 0, c, n) }), "DgemmPacked %v", s)
		assert.EqualValues(t, 1, calls(func() { SgemmPacked(true, m, 1, a32, m, &pb32, 0, c32, n) }), "SgemmPacked %v", s)
	}
	assert.Zero(t, calls(func() {
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, 7, 7, 7, 1, a, 7, b, 7, 0, c, 7) // 343 < smallMNK: gonum
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, 70, 70, 70, 0, a, 70, b, 70, 2, c, 70)
		Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, 70, 70, 0, 1, a, 1, b, 70, 2, c, 70)
		Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 0, 70, 70, 1, a32, 70, b32, 70, 2, c32, 70)
	}))
}
