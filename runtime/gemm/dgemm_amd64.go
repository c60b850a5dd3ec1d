//go:build amd64 && !noasm

package gemm

// The float64 assembly kernels and packers, with the Go wrappers that check
// the bounds the assembly relies on. gen_single.go writes their float32
// twins, sgemm_amd64.go, from this file.

// dgemmKernel16 computes an MR×2NR tile of C from a packed A panel and two
// adjacent NR-column B micro-panels bs elements apart; see
// kernel512_amd64.s.
//
//go:noescape
func dgemmKernel16(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

// dgemmKernel16U is dgemmKernel16 reading the MR rows of A in place (row
// r at a[r·lda:], element p at a[r·lda+p]) instead of a packed panel, with
// the same order of operations; see kernel512_amd64.s. The caller checks
// that the rows and tiles lie inside their slices (dgemmMacroU).
//
//go:noescape
func dgemmKernel16U(k int, a *float64, lda int, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

// dgemmKernelU is dgemmKernel reading the MR rows of A in place, as
// dgemmKernel16U does; see kernel_amd64.s.
//
//go:noescape
func dgemmKernelU(k int, a *float64, lda int, b, c *float64, ldc int, alpha, beta float64)

// dgemmKernel computes an MR×NR tile of C from packed panels; see
// kernel_amd64.s.
//
//go:noescape
func dgemmKernel(k int, a, b, c *float64, ldc int, alpha, beta float64)

// dgemmKernel1 … dgemmKernel4 compute r×NR tiles (r = 1…4) of C from the
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

// dgemmKernelW1 … dgemmKernelW4 are the AVX-512 r-row kernels (r×2NR) over
// two adjacent B micro-panels bs elements apart; see kernel_small_amd64.s.

//go:noescape
func dgemmKernelW1(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW2(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW3(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

//go:noescape
func dgemmKernelW4(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)

// dpackA6 packs six rows of a (stride lda) into the MR=6 panel layout:
// d[p*6+r] = a[r*lda+p] for p < kc. See pack_amd64.s.
//
//go:noescape
func dpackA6(d, a *float64, lda, kc int)

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

// dpackAT packs np full panels of a transposed A: for p < kc and q < np,
// d[q*6*kc+p*6+r] = a[p*lda+q*6+r]. See pack_amd64.s.
//
//go:noescape
func dpackAT(d, a *float64, lda, kc, np int)

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
