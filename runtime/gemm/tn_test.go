package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
)

// TestTNIdentical: the in-place Aᵀ·B path (dgemmTN) gives bitwise the
// packed path's C for the kernel gradients' shapes and their edges (m not a
// multiple of 4 or 8, n past 16 and not a multiple of 8, k across several
// depth blocks), padded strides, alpha and beta of every kind (beta = ±0:
// C is not read, its NaNs do not propagate; betas other than 0 and 1 go the
// packed way), on one and two threads, and it writes nothing outside the
// m×n block of C. Products of at most dgemmRowsMaxM rows, which the packed
// path does not compute, are checked against the kernels' order of
// operations (tnReference) and, to rounding, against the matrix–vector
// products that compute them without the in-place kernels.
func TestTNIdentical(t *testing.T) {
	if !haveTNAsm || !haveWide || !asmEnabled() {
		t.Skip("the in-place Aᵀ·B kernels are AVX-512 assembly, not in use here")
	}
	t.Cleanup(func() { useTN = true })
	rnd := rand.New(rand.NewPCG(12, 12))
	shapes := [][3]int{ // m, n, k
		{48, 16, 1024}, {16, 25, 512}, {16, 25, 256}, {12, 4, 1024}, {4, 25, 256},
		{8, 1, 1}, {1, 25, 600}, {2, 9, 300}, {3, 17, 257}, {9, 17, 3}, {13, 33, 300}, {64, 64, 700}, {5, 8, 257}, {4, 16, 513}, {31, 9, 1100},
		{10, 7, 100}, {11, 20, 513}, {17, 3, 40}, {6, 16, 256}, {7, 1, 2},
		{16, 288, 300}, {13, 100, 77}, {4, 80, 50},
	}
	for _, threads := range []int{1, 2} {
		withThreads(t, threads)
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, pad := range []int{0, 3} {
				for _, ab := range [][2]float64{{1, 0}, {1, 1}, {-0.5, 1.25}, {2, math.Copysign(0, -1)}} {
					name := fmt.Sprintf("threads=%d/%dx%dx%d/pad=%d/alpha=%g,beta=%g", threads, m, n, k, pad, ab[0], ab[1])
					lda, ldb, ldc := m+pad, n+pad, n+pad
					a, b, c0 := make([]float64, (k-1)*lda+m), make([]float64, (k-1)*ldb+n), make([]float64, (m-1)*ldc+n)
					for i := range a {
						a[i] = rnd.NormFloat64()
					}
					for i := range b {
						b[i] = rnd.NormFloat64()
					}
					for i := range c0 {
						c0[i] = rnd.NormFloat64()
						if ab[1] == 0 && i%7 == 0 {
							c0[i] = math.NaN()
						}
					}
					var got [2][]float64
					for i, on := range []bool{true, false} {
						useTN = on
						c := slices.Clone(c0)
						Implementation{}.Dgemm(blas.Trans, blas.NoTrans, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
						got[i] = c
					}
					want := got[1]
					if m <= dgemmRowsMaxM && n <= tnMaxMN && (ab[1] == 0 || ab[1] == 1) {
						// Taken in place instead of by matrix–vector products:
						// against the kernels' order of operations.
						want = tnReference(m, n, k, ab[0], a, lda, b, ldb, ab[1], c0, ldc)
						for i := range want {
							if d := math.Abs(want[i] - got[1][i]); d > 1e-12*(1+math.Abs(want[i])) {
								t.Fatalf("%s: C[%d] = %v in place, %v by matrix–vector products", name, i, want[i], got[1][i])
							}
						}
					}
					for i := range got[0] {
						if math.Float64bits(got[0][i]) != math.Float64bits(want[i]) {
							t.Fatalf("%s: C[%d] = %v in place, %v packed", name, i, got[0][i], want[i])
						}
						if i%ldc >= n && math.Float64bits(got[0][i]) != math.Float64bits(c0[i]) {
							t.Fatalf("%s: the padding C[%d] was written", name, i)
						}
						if ab[1] == 0 && math.IsNaN(got[0][i]) && i%ldc < n {
							t.Fatalf("%s: C[%d] is NaN with beta = 0", name, i)
						}
					}
				}
			}
		}
	}
}

// tnReference computes C = alpha·Aᵀ·B + beta·C (beta 0 or 1) in the
// kernels' order of operations: per depth block of the packed path, one
// fused multiply-add per product into a sum that starts at zero, then
// alpha times the sum, added to C after the first block or where beta = 1.
func tnReference(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c0 []float64, ldc int) []float64 {
	c := slices.Clone(c0)
	kcb := balance(k, dgemmKC, 1)
	for i := range m {
		for j := range n {
			v := c[i*ldc+j]
			for pc := 0; pc < k; pc += kcb {
				var acc float64
				for p := pc; p < min(k, pc+kcb); p++ {
					acc = math.FMA(a[p*lda+i], b[p*ldb+j], acc)
				}
				if pc == 0 && beta == 0 {
					v = alpha * acc
				} else {
					v += alpha * acc
				}
			}
			c[i*ldc+j] = v
		}
	}
	return c
}

// BenchmarkTN: the kernel gradients' Aᵀ·B products of ising16_cnn and
// ising16_cnn4 with one sample per chunk (k = row blocks × 256 sites) and
// with the 32 samples of a worker's shard, in place against the path
// without the in-place kernels (packed, or for m ≤ dgemmRowsMaxM gonum's
// matrix–vector products), alternately (one thread, the fastest of 20
// rounds each).
func BenchmarkTN(b *testing.B) {
	withThreads(b, 1)
	shapes := [][3]int{{48, 16, 1024}, {16, 25, 512}, {12, 4, 1024}, {16, 25, 256}, {4, 25, 768}, {4, 12, 1024}, {16, 288, 256}, {48, 16, 32768}, {64, 1024, 4096}, {32, 512, 2048}, {64, 128, 2048}, {16, 1024, 2048}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			a, bb, c := make([]float64, k*m), make([]float64, k*n), make([]float64, m*n)
			for i := range a {
				a[i] = float64(i%7) * 0.1
			}
			for i := range bb {
				bb[i] = float64(i%5) * 0.1
			}
			best := [2]float64{1e300, 1e300}
			for b.Loop() {
				for range 20 {
					for i, on := range []bool{true, false} {
						useTN = on
						st := time.Now()
						Implementation{}.Dgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a, m, bb, n, 1, c, n)
						best[i] = min(best[i], time.Since(st).Seconds())
					}
				}
			}
			useTN = haveTNAsm && useWide
			b.ReportMetric(best[0]*1e6, "µs/inplace")
			b.ReportMetric(best[1]*1e6, "µs/packed")
			b.ReportMetric(best[1]/best[0], "packed/inplace")
			b.ReportMetric(2*float64(m*n*k)/best[0]/1e9, "GFLOPS-inplace")
		})
	}
}
