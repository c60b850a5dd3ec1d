package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkPacked64 and BenchmarkPacked32 compare, on one thread, the
// small-m products of the trainer with a constant weight matrix W:
//
//	fwd: C(m×n)  = X(m×k)·Wᵀ, W n×k        (NoTrans, Trans, beta = 0)
//	bwd: C(m×k) += Xb(m×n)·W               (NoTrans, NoTrans, beta = 1)
//
// for every W shape in packedProdShapes and m in packedProdMs, each with
//
//	dgemm:  Dgemm, packing W on every call,
//	packed: DgemmPacked, W packed once outside the timer,
//	gonum:  gonum's Dgemm with GOMAXPROCS = 1.
//
// Names read fwd/W1024x784/m16/packed. Run for example with
//
//	go test -run '^$' -bench 'Packed64|Packed32' -benchtime 200ms ./runtime/gemm/
func BenchmarkPacked64(b *testing.B) {
	benchPacked(b, impl64(), gonum64(), func(tB bool, k, n int, w []float64, ldw int) func(bool, int, float64, []float64, int, float64, []float64, int) {
		var pb PackedB64
		pb.Pack(tB, k, n, w, ldw)
		return func(tA bool, m int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
			DgemmPacked(tA, m, alpha, a, lda, &pb, beta, c, ldc)
		}
	})
}

func BenchmarkPacked32(b *testing.B) {
	benchPacked(b, impl32(), gonum32(), func(tB bool, k, n int, w []float32, ldw int) func(bool, int, float32, []float32, int, float32, []float32, int) {
		var pb PackedB32
		pb.Pack(tB, k, n, w, ldw)
		return func(tA bool, m int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
			SgemmPacked(tA, m, alpha, a, lda, &pb, beta, c, ldc)
		}
	})
}

func benchPacked[T float](b *testing.B, ours, theirs gemmFunc[T], pack func(tB bool, k, n int, w []T, ldw int) func(bool, int, T, []T, int, T, []T, int)) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, dir := range []string{"fwd", "bwd"} {
		for _, ws := range packedProdShapes {
			wn, wk := ws[0], ws[1]
			w := make([]T, wn*wk)
			for i := range w {
				w[i] = T(rnd.Float64() - 0.5)
			}
			n, k, tB, beta := wn, wk, blas.Trans, T(0)
			if dir == "bwd" {
				n, k, tB, beta = wk, wn, blas.NoTrans, 1
			}
			ldw := wk
			for _, m := range packedProdMs {
				a := make([]T, m*k)
				c := make([]T, m*n)
				for i := range a {
					a[i] = T(rnd.Float64() - 0.5)
				}
				flops := 2 * float64(m) * float64(n) * float64(k)
				name := fmt.Sprintf("%s/W%dx%d/m%d", dir, wn, wk, m)
				b.Run(name+"/dgemm", func(b *testing.B) {
					old := threads.Load()
					defer SetThreads(int(old))
					SetThreads(1)
					ours(blas.NoTrans, tB, m, n, k, 1, a, k, w, ldw, beta, c, n)
					reportFlops(b, flops, func() {
						ours(blas.NoTrans, tB, m, n, k, 1, a, k, w, ldw, beta, c, n)
					})
				})
				b.Run(name+"/packed", func(b *testing.B) {
					old := threads.Load()
					defer SetThreads(int(old))
					SetThreads(1)
					f := pack(tB != blas.NoTrans, k, n, w, ldw)
					f(false, m, 1, a, k, beta, c, n)
					reportFlops(b, flops, func() {
						f(false, m, 1, a, k, beta, c, n)
					})
				})
				b.Run(name+"/gonum", func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
					theirs(blas.NoTrans, tB, m, n, k, 1, a, k, w, ldw, beta, c, n)
					reportFlops(b, flops, func() {
						theirs(blas.NoTrans, tB, m, n, k, 1, a, k, w, ldw, beta, c, n)
					})
				})
			}
		}
	}
}

// BenchmarkUnpackedA compares, on one thread and interleaved in each
// iteration, DgemmPacked on the convolutions' shallow shapes with A read in
// place (unpacked) and packed (dgemmUnpacked = false): the orbit-direct
// 3×3 convolution (K = 16 channels, N = 3 orbits × 16), the 5×5 patches of
// a one-channel input (K = 25, N = 16) and a wider K = 64. It reports the
// seconds of each and their ratio, packed/unpacked. Run it with
//
//	go test -run '^$' -bench UnpackedA -benchtime 20x ./runtime/gemm/
//
// (with MAFC_GEMM=avx2 for the AVX2 kernels on an AVX-512 CPU).
func BenchmarkUnpackedA(b *testing.B) {
	if !asmEnabled() {
		b.Skip("the unpacked-A path is part of the assembly kernels' driver, not in use here")
	}
	withThreads(b, 1)
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{16384, 48, 16}, {8192, 16, 25}, {8192, 16, 48}, {4096, 64, 64}, {4096, 16, 288}, {2048, 288, 16}, {64, 512, 256}, {64, 256, 512}, {120, 784, 1024}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("m%d_n%d_k%d", m, n, k), func(b *testing.B) {
			a, w, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
			for i := range a {
				a[i] = rnd.NormFloat64()
			}
			for i := range w {
				w[i] = rnd.NormFloat64()
			}
			var pb PackedB64
			pb.Pack(false, k, n, w, n)
			defer func() { dgemmUnpacked = true }()
			var t [2]float64
			for b.Loop() {
				for i, on := range []bool{true, false} {
					dgemmUnpacked = on
					start := time.Now()
					DgemmPacked(false, m, 1, a, k, &pb, 0, c, n)
					t[i] += time.Since(start).Seconds()
				}
			}
			b.ReportMetric(t[0]/float64(b.N), "s/unpacked")
			b.ReportMetric(t[1]/float64(b.N), "s/packed")
			b.ReportMetric(t[1]/t[0], "packed/unpacked")
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/t[0]/1e9, "GFLOPS-unpacked")
		})
	}
}
