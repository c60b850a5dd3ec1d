//go:build openblas && cgo

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

// OpenBLAS extensions. OpenBLAS's cblas.h declares them too (identically);
// repeating them here keeps the binding compiling against another cblas.h
// (such as the reference one) while still linking -lopenblas.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);

// One cgo call per product, with plain ints for the enums.
static void mafc_dgemm(int tA, int tB, int m, int n, int k, double alpha,
		const double *a, int lda, const double *b, int ldb, double beta,
		double *c, int ldc) {
	cblas_dgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans,
		tB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
		beta, c, ldc);
}

static void mafc_sgemm(int tA, int tB, int m, int n, int k, float alpha,
		const float *a, int lda, const float *b, int ldb, float beta,
		float *c, int ldc) {
	cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans,
		tB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
		beta, c, ldc);
}
*/
import "C"

import "strings"

// Config returns OpenBLAS's configuration string, such as
// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
func Config() string { return strings.TrimSpace(C.GoString(C.openblas_get_config())) }

// SetThreads sets the number of threads OpenBLAS uses per call (n ≥ 1).
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads returns the number of threads OpenBLAS uses per call.
func Threads() int { return int(C.openblas_get_num_threads()) }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Dgemm calls cblas_dgemm(CblasRowMajor, …): C = alpha·op(A)·op(B) + beta·C
// with a, b, c pointing at the first elements of the row-major matrices.
// The caller validates the arguments: OpenBLAS reads and writes the whole
// extents they imply, and every int must fit a C int.
func Dgemm(tA, tB bool, m, n, k int, alpha float64, a *float64, lda int, b *float64, ldb int, beta float64, c *float64, ldc int) {
	C.mafc_dgemm(cbool(tA), cbool(tB), C.int(m), C.int(n), C.int(k), C.double(alpha),
		(*C.double)(a), C.int(lda), (*C.double)(b), C.int(ldb), C.double(beta),
		(*C.double)(c), C.int(ldc))
}

// Sgemm is Dgemm for float32 (cblas_sgemm).
func Sgemm(tA, tB bool, m, n, k int, alpha float32, a *float32, lda int, b *float32, ldb int, beta float32, c *float32, ldc int) {
	C.mafc_sgemm(cbool(tA), cbool(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(a), C.int(lda), (*C.float)(b), C.int(ldb), C.float(beta),
		(*C.float)(c), C.int(ldc))
}
