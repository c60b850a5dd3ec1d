package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS with Dgemm and Sgemm replaced by
// the packed AVX2/FMA kernels of this package. Every other routine is
// gonum's. The zero value is ready to use.
type Implementation struct{ gonum.Implementation }

var (
	_ blas.Float64 = Implementation{}
	_ blas.Float32 = Implementation{}
)

// forceFallback makes Dgemm and Sgemm delegate to gonum even when the CPU
// supports the assembly kernels (or the build has the OpenBLAS backend).
// Tests flip it to exercise the fallback path.
var forceFallback bool

// backend identifies the code that computes Dgemm and Sgemm.
type backend int

const (
	backendGonum    backend = iota // gonum's pure-Go Dgemm/Sgemm
	backendAsm                     // this package's AVX2/FMA kernels
	backendOpenBLAS                // cblas_?gemm of OpenBLAS (build tag openblas)
)

// activeBackend returns the backend in use. haveOpenBLAS is a constant
// (openblas.go, openblas_off.go), so without the openblas tag the OpenBLAS
// branches compile away.
func activeBackend() backend {
	switch {
	case forceFallback:
		return backendGonum
	case haveOpenBLAS:
		return backendOpenBLAS
	case haveAsm:
		return backendAsm
	}
	return backendGonum
}

// asmEnabled reports whether the assembly path is active.
func asmEnabled() bool { return activeBackend() == backendAsm }

// smallMNK is the m·n·k below which packing does not pay and gonum's simple
// loops are used instead. A variable so that tests can push every size
// through the assembly path.
var smallMNK = 8 * 8 * 8

// dgemmRowsMaxM and sgemmRowsMaxM are the largest m computed row by row
// with gonum's matrix-vector kernels (dgemmRows, sgemmRows) instead of the
// packed kernels: with so few rows, packing B (k×n, every element used only
// m times) costs more than the whole product done in place. Variables so
// that tests can route small sizes through either path.
var (
	dgemmRowsMaxM = 4
	sgemmRowsMaxM = 4
)

// Use installs Implementation as the BLAS used by gonum's blas64 and blas32
// packages (and so by gonum/mat).
func Use() {
	blas64.Use(Implementation{})
	blas32.Use(Implementation{})
}

// Name describes the active Dgemm/Sgemm kernel. Built with the openblas tag
// it is "openblas (cblas): " followed by OpenBLAS's configuration string
// (version, kernel, thread limit).
func Name() string {
	switch activeBackend() {
	case backendOpenBLAS:
		return openblasName()
	case backendAsm:
		if useWide {
			return "avx512 6x16 + avx2-fma 6x8 (float64) / avx512 6x32 + avx2-fma 6x16 (float32)"
		}
		return "avx2-fma 6x8 (float64) / 6x16 (float32)"
	}
	return "gonum fallback"
}

// gemmArgsOK reports whether gonum's ?gemm would accept the arguments. It
// mirrors gonum's checks exactly (but does not panic): anything it rejects
// is handed to gonum, which panics with the proper message.
func gemmArgsOK(tA, tB blas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) bool {
	validT := func(t blas.Transpose) bool {
		return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans
	}
	if !validT(tA) || !validT(tB) || m < 0 || n < 0 || k < 0 {
		return false
	}
	aTrans := tA != blas.NoTrans
	bTrans := tB != blas.NoTrans
	if aTrans {
		if lda < max(1, m) {
			return false
		}
	} else if lda < max(1, k) {
		return false
	}
	if bTrans {
		if ldb < max(1, k) {
			return false
		}
	} else if ldb < max(1, n) {
		return false
	}
	if ldc < max(1, n) {
		return false
	}
	if m == 0 || n == 0 {
		return true
	}
	if aTrans {
		if lenA < (k-1)*lda+m {
			return false
		}
	} else if lenA < (m-1)*lda+k {
		return false
	}
	if bTrans {
		if lenB < (n-1)*ldb+k {
			return false
		}
	} else if lenB < (k-1)*ldb+n {
		return false
	}
	return lenC >= (m-1)*ldc+n
}

// balance splits n into ceil(n/maxBlock) nearly equal blocks and returns the
// block size rounded up to a multiple of unit (but at most maxBlock, which
// must itself be a multiple of unit).
func balance(n, maxBlock, unit int) int {
	if n <= maxBlock {
		return min(maxBlock, roundUp(n, unit))
	}
	nb := (n + maxBlock - 1) / maxBlock
	return min(maxBlock, roundUp((n+nb-1)/nb, unit))
}

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }
