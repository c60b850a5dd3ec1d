//go:build openblas && cgo

package gemm

// OpenBLAS backend, selected with the build tag openblas (and cgo). Dgemm,
// Sgemm and, through their plain copy of B, DgemmPacked and SgemmPacked
// call cblas_dgemm/cblas_sgemm in row-major order after this package's own
// argument checks and special cases (see gemm.go). The cgo binding is in
// internal/openblas, since Go allows no cgo in a package with assembly;
// openblas_off.go holds the stand-ins for every other build.

import (
	"math"

	"github.com/mafc-dev/mafc/runtime/gemm/internal/openblas"
)

// haveOpenBLAS reports whether this build has the OpenBLAS backend.
const haveOpenBLAS = true

// openblasConfig is OpenBLAS's configuration string, such as
// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
var openblasConfig = openblas.Config()

// openblasDefaultThreads is the size of OpenBLAS's thread pool at start-up
// (OPENBLAS_NUM_THREADS, or the number of CPUs): the default of Threads.
var openblasDefaultThreads = max(1, openblas.Threads())

func openblasName() string { return "openblas (cblas): " + openblasConfig }

// openblasSetThreads sets the number of threads OpenBLAS uses per call.
func openblasSetThreads(n int) { openblas.SetThreads(min(max(n, 1), math.MaxInt32)) }

// openblasThreads returns the number of threads OpenBLAS uses per call.
func openblasThreads() int { return openblas.Threads() }

// cInts reports whether all of xs fit OpenBLAS's (32-bit) int.
func cInts(xs ...int) bool {
	for _, x := range xs {
		if x > math.MaxInt32 {
			return false
		}
	}
	return true
}

// openblasDgemm computes a validated Dgemm with m, n, k > 0 and alpha ≠ 0
// through cblas_dgemm. It passes pointers to the first elements, so it does
// not allocate. It returns false, doing nothing, when a dimension does not
// fit a C int (or, defensively, a slice is empty); the caller then uses
// another path.
func openblasDgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	if len(a) == 0 || len(b) == 0 || len(c) == 0 || !cInts(m, n, k, lda, ldb, ldc) {
		return false
	}
	openblas.Dgemm(tA, tB, m, n, k, alpha, &a[0], lda, &b[0], ldb, beta, &c[0], ldc)
	return true
}

// openblasSgemm is openblasDgemm for float32 (cblas_sgemm).
func openblasSgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if len(a) == 0 || len(b) == 0 || len(c) == 0 || !cInts(m, n, k, lda, ldb, ldc) {
		return false
	}
	openblas.Sgemm(tA, tB, m, n, k, alpha, &a[0], lda, &b[0], ldb, beta, &c[0], ldc)
	return true
}
