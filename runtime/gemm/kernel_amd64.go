//go:build amd64 && !noasm

package gemm

import (
	"os"

	"golang.org/x/sys/cpu"
)

// haveAsm reports whether the assembly micro-kernels can run on this CPU.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// haveWide reports whether the AVX-512 kernels (dgemmKernel16,
// sgemmKernel32) can run: AVX-512F with the operating system saving the
// ZMM state, which x/sys/cpu checks.
var haveWide = haveAsm && cpu.X86.HasAVX512F

// useWide selects the AVX-512 kernels for pairs of full B micro-panels. It
// starts as haveWide; tests and benchmarks switch it off to compare with
// the AVX2 kernels, and the environment variable MAFC_GEMM=avx2 does so
// for a whole program.
var useWide = haveWide && os.Getenv("MAFC_GEMM") != "avx2"

// dgemmKernel16 computes a 6×16 tile of C from a packed A panel and two
// adjacent 8-column B micro-panels bs elements apart; see kernel512_amd64.s.
//
//go:noescape
func dgemmKernel16(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

// sgemmKernel32 computes a 6×32 tile of C from a packed A panel and two
// adjacent 16-column B micro-panels bs elements apart; see kernel512_amd64.s.
//
//go:noescape
func sgemmKernel32(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

// dgemmKernel computes a 6×8 tile of C from packed panels; see kernel_amd64.s.
//
//go:noescape
func dgemmKernel(k int, a, b, c *float64, ldc int, alpha, beta float64)

// sgemmKernel computes a 6×16 tile of C from packed panels; see kernel_amd64.s.
//
//go:noescape
func sgemmKernel(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:generate go run gen_kernel_small.go

// dgemmKernel1 … dgemmKernel4 compute r×8 tiles (r = 1…4) of C from the
// first r rows of a packed A panel; see kernel_small_amd64.s.
//
//go:noescape
func dgemmKernel1(k int, a, b, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernel2(k int, a, b, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernel3(k int, a, b, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernel4(k int, a, b, c *float64, ldc int, alpha, beta float64)

// sgemmKernel1 … sgemmKernel4 compute r×16 tiles (r = 1…4) of C; see
// kernel_small_amd64.s.
//
//go:noescape
func sgemmKernel1(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel3(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel4(k int, a, b, c *float32, ldc int, alpha, beta float32)

// dgemmKernelW1 … dgemmKernelW4 and sgemmKernelW1 … sgemmKernelW4 are the
// AVX-512 r-row kernels over two adjacent B micro-panels bs elements apart
// (r×16 float64, r×32 float32); see kernel_small_amd64.s.

//go:noescape
func dgemmKernelW1(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW2(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW3(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW4(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func sgemmKernelW1(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernelW2(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernelW3(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernelW4(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

// dpackA6 packs six rows of a (stride lda) into the MR=6 panel layout:
// d[p*6+r] = a[r*lda+p] for p < kc. See pack_amd64.s.
//
//go:noescape
func dpackA6(d, a *float64, lda, kc int)

// spackA6 is dpackA6 for float32.
//
//go:noescape
func spackA6(d, a *float32, lda, kc int)

// dgemmPackA6 packs six rows of a into d; it checks the bounds the assembly
// relies on.
func dgemmPackA6(d, a []float64, lda, kc int) {
	if kc <= 0 {
		return
	}
	_ = d[6*kc-1]
	_ = a[5*lda+kc-1]
	dpackA6(&d[0], &a[0], lda, kc)
}

// sgemmPackA6 packs six rows of a into d; it checks the bounds the assembly
// relies on.
func sgemmPackA6(d, a []float32, lda, kc int) {
	if kc <= 0 {
		return
	}
	_ = d[6*kc-1]
	_ = a[5*lda+kc-1]
	spackA6(&d[0], &a[0], lda, kc)
}

// dpackAT packs np full panels of a transposed A: for p < kc and q < np,
// d[q*6*kc+p*6+r] = a[p*lda+q*6+r]. See pack_amd64.s.
//
//go:noescape
func dpackAT(d, a *float64, lda, kc, np int)

// spackAT is dpackAT for float32.
//
//go:noescape
func spackAT(d, a *float32, lda, kc, np int)

// dgemmPackAT packs np full MR-row panels of a transposed A (see dpackAT),
// checking the bounds the assembly relies on.
func dgemmPackAT(d, a []float64, lda, kc, np int) {
	if kc <= 0 || np <= 0 {
		return
	}
	_ = d[np*6*kc-1]
	_ = a[(kc-1)*lda+np*6-1]
	dpackAT(&d[0], &a[0], lda, kc, np)
}

// sgemmPackAT packs np full MR-row panels of a transposed A (see spackAT),
// checking the bounds the assembly relies on.
func sgemmPackAT(d, a []float32, lda, kc, np int) {
	if kc <= 0 || np <= 0 {
		return
	}
	_ = d[np*6*kc-1]
	_ = a[(kc-1)*lda+np*6-1]
	spackAT(&d[0], &a[0], lda, kc, np)
}
