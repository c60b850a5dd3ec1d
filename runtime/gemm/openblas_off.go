//go:build !openblas || !cgo

package gemm

// Stand-ins for the OpenBLAS backend (openblas.go) in builds without the
// openblas tag or without cgo: haveOpenBLAS is false, so none of them is
// ever called and the default build needs no C toolchain.

const haveOpenBLAS = false

var openblasDefaultThreads = 0

func openblasName() string { return "" }

func openblasSetThreads(int) {}

func openblasDgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	return false
}

func openblasSgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	return false
}
