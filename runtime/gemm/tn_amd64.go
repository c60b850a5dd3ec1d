//go:build amd64 && !noasm

package gemm

// dgemmKernelTN8 … dgemmKernelTN1 compute an R×(≤16) tile of C =
// alpha·Aᵀ·B + beta·C (R = 8, 4, 2, 1) reading A (k×m) and B
// (k×n) in place; see tn512_amd64.s. The caller checks the bounds
// (dgemmTNTile).
//
//go:noescape
func dgemmKernelTN8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)

//go:noescape
func dgemmKernelTN4(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)

//go:noescape
func dgemmKernelTN2(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)

//go:noescape
func dgemmKernelTN1(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)

// haveTN reports whether the in-place Aᵀ·B kernels can run (they are
// AVX-512 kernels: masked loads and stores).
const haveTNAsm = true

// dgemmTNTile computes rows i…i+r−1 (r = 8, 4, 2 or 1) and columns j…j+w−1 (w ≤
// 16) of C = alpha·Aᵀ·B + beta·C over the kc rows of A and B from row pc.
// It checks every bound the assembly relies on.
func dgemmTNTile(r, w, kc, pc, i, j int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	_ = a[(pc+kc-1)*lda+i+r-1]
	_ = b[(pc+kc-1)*ldb+j+w-1]
	_ = c[(i+r-1)*ldc+j+w-1]
	mask := uint64(1)<<w - 1
	switch r {
	case 8:
		dgemmKernelTN8(kc, &a[pc*lda+i], lda, &b[pc*ldb+j], ldb, &c[i*ldc+j], ldc, alpha, beta, mask)
	case 4:
		dgemmKernelTN4(kc, &a[pc*lda+i], lda, &b[pc*ldb+j], ldb, &c[i*ldc+j], ldc, alpha, beta, mask)
	case 2:
		dgemmKernelTN2(kc, &a[pc*lda+i], lda, &b[pc*ldb+j], ldb, &c[i*ldc+j], ldc, alpha, beta, mask)
	case 1:
		dgemmKernelTN1(kc, &a[pc*lda+i], lda, &b[pc*ldb+j], ldb, &c[i*ldc+j], ldc, alpha, beta, mask)
	default:
		panic("gemm: dgemmTNTile: rows not 8, 4, 2 or 1")
	}
}
