//go:build !amd64 || noasm

package gemm

// haveTNAsm is false: the in-place Aᵀ·B kernels are AVX-512 assembly.
const haveTNAsm = false

// dgemmTNTile is never called without the assembly (useTN is false).
func dgemmTNTile(r, w, kc, pc, i, j int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	panic("gemm: dgemmTNTile without the assembly kernels")
}
