package ode

import (
	"github.com/mafc-dev/mafc/runtime/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
)

// This file holds the precision-generic building blocks of the hidden-space
// integrator (hidden[T]): each dispatches on T to the float64 routine the
// float64 integrator always used (gonum's assembly for vector operations,
// Dgemm and DgemmPacked for products), so that hidden[float64] computes
// exactly what it did before it became generic, or to its float32
// counterpart (Sgemm, SgemmPacked, plain loops).

// impl runs the products (Dgemm, Sgemm).
var impl gemm.Implementation

// floatT is a working precision of the hidden-space integrator.
type floatT interface{ float32 | float64 }

// is64 reports whether T is float64.
func is64[T floatT]() bool {
	var z T
	_, ok := any(z).(float64)
	return ok
}

// alias64 returns s as a []T when T is float64 (the same memory), and nil
// otherwise.
func alias64[T floatT](s []float64) []T {
	r, _ := any(s).([]T)
	return r
}

// gemmT computes C = alpha·op(A)·op(B) + beta·C for row-major matrices with
// package gemm's Dgemm or Sgemm.
func gemmT[T floatT](tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		impl.Dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		impl.Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// packedT is a pre-packed right-hand operand (gemm.PackedB64 or
// gemm.PackedB32) in precision T.
type packedT[T floatT] struct {
	p64 gemm.PackedB64
	p32 gemm.PackedB32
}

// pack packs the k×n operand b (stride ldb, not transposed).
func (p *packedT[T]) pack(k, n int, b []T, ldb int) {
	switch b := any(b).(type) {
	case []float64:
		p.p64.Pack(false, k, n, b, ldb)
	case []float32:
		p.p32.Pack(false, k, n, b, ldb)
	}
}

// mul computes C = alpha·A·B + beta·C for the m×k matrix A and the packed B.
func (p *packedT[T]) mul(m int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		gemm.DgemmPacked(false, m, float64(alpha), a, lda, &p.p64, float64(beta), any(c).([]float64), ldc)
	case []float32:
		gemm.SgemmPacked(false, m, float32(alpha), a, lda, &p.p32, float32(beta), any(c).([]float32), ldc)
	}
}

// axpy computes dst += alpha·s.
func axpy[T floatT](dst []T, alpha T, s []T) {
	if d, ok := any(dst).([]float64); ok {
		floats.AddScaled(d, float64(alpha), any(s).([]float64))
		return
	}
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] += alpha * v
	}
}

// mulT computes dst ⊙= s.
func mulT[T floatT](dst, s []T) {
	if d, ok := any(dst).([]float64); ok {
		floats.Mul(d, any(s).([]float64))
		return
	}
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] *= v
	}
}

// axpyWide computes dst += alpha·s in float64.
func axpyWide[T floatT](dst []float64, alpha float64, s []T) {
	if s64, ok := any(s).([]float64); ok {
		floats.AddScaled(dst, alpha, s64)
		return
	}
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] += alpha * float64(v)
	}
}

// addWide computes dst += s in float64.
func addWide[T floatT](dst []float64, s []T) {
	if s64, ok := any(s).([]float64); ok {
		floats.Add(dst, s64)
		return
	}
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] += float64(v)
	}
}

// narrow writes s rounded to T into dst (a copy when T is float64).
func narrow[T floatT](dst []T, s []float64) {
	if d, ok := any(dst).([]float64); ok {
		copy(d, s)
		return
	}
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] = T(v)
	}
}
