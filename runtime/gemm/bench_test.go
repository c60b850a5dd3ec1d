package gemm

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// The tall shape takes ~30 s per call with gonum; only run gonum on it when
// asked to.
var gonumTall = flag.Bool("gemm.gonumtall", false, "also benchmark gonum on the tall 102400-row shape")

// benchShapes are the shapes the trainer uses. Names spell the operands:
// "A1024x784_B784x100" is C(1024×100) = A(1024×784)·B(784×100), i.e.
// m=1024, k=784, n=100 (with op applied: the stored matrices are transposed
// in the T cases).
var benchShapes = []struct {
	name    string
	m, n, k int
	tall    bool
}{
	{name: "A1024x784_B784x100", m: 1024, n: 100, k: 784},
	{name: "A1024x1024_B1024x784", m: 1024, n: 784, k: 1024},
	{name: "A256x256_B256x256", m: 256, n: 256, k: 256},
	{name: "A1024x100_B100x784", m: 1024, n: 784, k: 100}, // small k
	{name: "A102400x1024_B1024x784", m: 102400, n: 784, k: 1024, tall: true},
}

// benchGemm runs f (alpha = 1, beta = 0) on random data and reports GFLOPS.
func benchGemm[T float](b *testing.B, f gemmFunc[T], tA, tB blas.Transpose, m, n, k int) {
	rnd := rand.New(rand.NewPCG(1, 1))
	lda, ldb := k, n
	if tA != blas.NoTrans {
		lda = m
	}
	if tB != blas.NoTrans {
		ldb = k
	}
	a := make([]T, m*k)
	bm := make([]T, k*n)
	c := make([]T, m*n)
	for i := range a {
		a[i] = T(rnd.Float64() - 0.5)
	}
	for i := range bm {
		bm[i] = T(rnd.Float64() - 0.5)
	}
	f(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n) // warm up (arenas, workers)
	reportFlops(b, 2*float64(m)*float64(n)*float64(k), func() {
		f(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	})
}

// reportFlops runs op b.N times and reports GFLOPS (wall clock) and
// cpuGFLOPS (per busy core: FLOPs over process CPU time, which discounts
// time lost to other processes on a shared machine).
func reportFlops(b *testing.B, flops float64, op func()) {
	b.ResetTimer()
	cpu0 := cpuNanos()
	for b.Loop() {
		op()
	}
	cpu := cpuNanos() - cpu0
	b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOPS")
	if cpu > 0 {
		b.ReportMetric(flops*float64(b.N)/float64(cpu), "cpuGFLOPS")
	}
}

func benchAll[T float](b *testing.B, ours, theirs gemmFunc[T]) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			for _, tA := range transposes {
				for _, tB := range transposes {
					b.Run(tname(tA)+tname(tB), func(b *testing.B) {
						for _, th := range []int{1, 2} {
							b.Run(fmt.Sprintf("mafc/threads=%d", th), func(b *testing.B) {
								old := threads.Load()
								defer SetThreads(int(old))
								SetThreads(th)
								benchGemm(b, ours, tA, tB, s.m, s.n, s.k)
							})
						}
						if s.tall && !*gonumTall {
							return
						}
						for _, th := range []int{1, 2} {
							b.Run(fmt.Sprintf("gonum/threads=%d", th), func(b *testing.B) {
								// gonum's Dgemm uses GOMAXPROCS goroutines.
								defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(th))
								benchGemm(b, theirs, tA, tB, s.m, s.n, s.k)
							})
						}
					})
				}
			}
		})
	}
}

func BenchmarkDgemm(b *testing.B) { benchAll(b, impl64(), gonum64()) }

func BenchmarkSgemm(b *testing.B) { benchAll(b, impl32(), gonum32()) }

// BenchmarkDgemmSquare sweeps square sizes for tuning the small-size and
// threading thresholds (ours only, NN).
func BenchmarkDgemmSquare(b *testing.B) {
	for _, s := range []int{4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%d/threads=%d", s, th), func(b *testing.B) {
				old := threads.Load()
				defer SetThreads(int(old))
				SetThreads(th)
				benchGemm(b, impl64(), blas.NoTrans, blas.NoTrans, s, s, s)
			})
		}
		b.Run(fmt.Sprintf("%d/gonum", s), func(b *testing.B) {
			benchGemm(b, gonum64(), blas.NoTrans, blas.NoTrans, s, s, s)
		})
	}
}

// BenchmarkDgemmConcurrentCallers has two goroutines (like the trainer's two
// data-parallel workers) call Dgemm at the same time with the default
// thread count, and reports the combined rate.
func BenchmarkDgemmConcurrentCallers(b *testing.B) {
	const m, n, k = 1024, 100, 784
	type mats struct{ a, b, c []float64 }
	var ms [2]mats
	for i := range ms {
		ms[i] = mats{make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)}
	}
	reportFlops(b, 2*2*m*n*k, func() {
		done := make(chan struct{})
		for i := range ms {
			go func() {
				Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, ms[i].a, k, ms[i].b, n, 0, ms[i].c, n)
				done <- struct{}{}
			}()
		}
		<-done
		<-done
	})
}
