// Package kern holds the kernels that generated code calls for the
// structured parts of a potential's derivatives: BLAS dispatch for either
// precision, Jacobian row operations, im2col and direct (tap-orbit)
// periodic convolutions, and the receptive-field (RF) Jacobian kernels:
// im2col, shifted-kernel GEMMs and the orbit-factored Jacobian. Sizes are
// arguments (the generated code passes constants, and the geometries —
// ConvGeom, RFGeom, FactorGeom, DirectGeom — are built once per workspace
// or model); no kernel allocates; none keeps state.
//
// # Conventions
//
// Batches are processed in "row stacks": a node's value for nb samples is an
// nb×n row-major matrix. A dense Jacobian J = ∂h/∂x of an n-vector h is kept
// tangent-major as W rows per sample (row (b, k) holds ∂h/∂x_k for sample b,
// so the rows are nb·W long vectors of length n; W = D, or the number of
// Hutchinson probes). Linear layers then act on Jacobian rows exactly as on
// values.
//
// A lattice field has sites p = r·L2 + c and channels ch, stored site-major
// (index p·C + ch). A receptive-field Jacobian of such a field keeps, for
// every sample, site and channel, only the derivatives with respect to the
// inputs in a window of R = R1×R2 sites around p: layout [b][p][s][ch] with
// s the window index (see [Window]).
package kern

import (
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// Float is the element type of kernels: float32 or float64.
type Float interface{ ~float32 | ~float64 }

func is64[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 8
}

func as64[T Float](s []T) []float64 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&s[0])), len(s))
}

func as32[T Float](s []T) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s))
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices with
// leading dimensions lda, ldb and ldc, through gonum's blas64 or blas32
// (whichever implementation is installed). op(A) is m×k and op(B) is k×n.
// It returns at once when m or n is zero, and scales C by beta when k is
// zero.
func Gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	if is64[T]() {
		blas64.Gemm(trans(tA), trans(tB), float64(alpha),
			blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: as64(a)[:(ar-1)*lda+ac]},
			blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: as64(b)[:(br-1)*ldb+bc]},
			float64(beta), blas64.General{Rows: m, Cols: n, Stride: ldc, Data: as64(c)[:(m-1)*ldc+n]})
		return
	}
	blas32.Gemm(trans(tA), trans(tB), float32(alpha),
		blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: as32(a)[:(ar-1)*lda+ac]},
		blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: as32(b)[:(br-1)*ldb+bc]},
		float32(beta), blas32.General{Rows: m, Cols: n, Stride: ldc, Data: as32(c)[:(m-1)*ldc+n]})
}

// AddBias adds b to every row of the nb×n matrix v.
func AddBias[T Float](v, b []T, nb, n int) {
	for r := 0; r < nb; r++ {
		row := v[r*n : r*n+n]
		for j, x := range b[:n] {
			row[j] += x
		}
	}
}

// AddBiasSites adds b (C) to every site of the nb×sites×C field v.
func AddBiasSites[T Float](v, b []T, nb, sites, C int) {
	for r := 0; r < nb*sites; r++ {
		row := v[r*C : r*C+C]
		for j, x := range b[:C] {
			row[j] += x
		}
	}
}

// SumRows adds the column sums of the nb×n matrix v to dst (n): the bias
// gradient.
func SumRows[T Float](dst, v []T, nb, n int) {
	for r := 0; r < nb; r++ {
		for j, x := range v[r*n : r*n+n] {
			dst[j] += x
		}
	}
}

// RowNorms writes q[j] = Σ_k M[j,k]² for the n×D matrix M.
func RowNorms[T Float](q, M []T, n, D int) {
	for j := 0; j < n; j++ {
		var s T
		for _, x := range M[j*D : j*D+D] {
			s += x * x
		}
		q[j] = s
	}
}

// Tile repeats x's first p elements over the rest of x: x[i] = x[i mod p].
func Tile[T Float](x []T, p int) {
	for i := p; i < len(x); i++ {
		x[i] = x[i-p]
	}
}

// Transpose writes the D×n transpose of the n×D matrix M to dst.
func Transpose[T Float](dst, M []T, n, D int) {
	for j := 0; j < n; j++ {
		for k, x := range M[j*D : j*D+D] {
			dst[k*n+j] = x
		}
	}
}

// TieExpand writes the full kernels of a tied convolution: for each of the
// n = Cout·Cin kernels, full[i·K + t] = tied[i·R + orbit[t]] (K offsets, R
// orbits).
func TieExpand[T Float](full, tied []T, orbit []int, n, R int) {
	K := len(orbit)
	for i := 0; i < n; i++ {
		f, w := full[i*K:i*K+K], tied[i*R:i*R+R]
		for t, o := range orbit {
			f[t] = w[o]
		}
	}
}

// TieReduce adds the gradient of the full kernels to the tied parameters:
// tied[i·R + o] += Σ_{t: orbit[t] = o} full[i·K + t].
func TieReduce[T Float](tied, full []T, orbit []int, n, R int) {
	K := len(orbit)
	for i := 0; i < n; i++ {
		f, w := full[i*K:i*K+K], tied[i*R:i*R+R]
		for t, o := range orbit {
			w[o] += f[t]
		}
	}
}

// MatVec writes c[r] = beta·c[r] + Σ_j a[r·n + j]·w[j] for m rows: the
// product of m rows with a one-output weight (a GEMM with one column, where
// packing would waste the micro-kernel).
func MatVec[T Float](c, a, w []T, m, n int, beta T) {
	if c64, ok := any(c).([]float64); ok {
		// gonum's assembly dot product (floats.Dot) for float64.
		a64, w64 := any(a).([]float64), any(w).([]float64)[:n]
		b := float64(beta)
		for r := 0; r < m; r++ {
			s := floats.Dot(a64[r*n:r*n+n], w64)
			if b == 0 {
				c64[r] = s
			} else {
				c64[r] = b*c64[r] + s
			}
		}
		return
	}
	w = w[:n]
	for r := 0; r < m; r++ {
		row := a[r*n : r*n+n]
		var s0, s1, s2, s3 T
		j := 0
		for ; j+4 <= n; j += 4 {
			s0 += row[j] * w[j]
			s1 += row[j+1] * w[j+1]
			s2 += row[j+2] * w[j+2]
			s3 += row[j+3] * w[j+3]
		}
		for ; j < n; j++ {
			s0 += row[j] * w[j]
		}
		s := (s0 + s1) + (s2 + s3)
		if beta == 0 {
			c[r] = s
		} else {
			c[r] = beta*c[r] + s
		}
	}
}

// AddOuter writes c[r·n + j] = beta·c[r·n + j] + a[r]·w[j] for m rows: the
// backward product through a one-output weight.
func AddOuter[T Float](c, a, w []T, m, n int, beta T) {
	if c64, ok := any(c).([]float64); ok && beta == 1 {
		// gonum's assembly axpy (floats.AddScaled) for float64.
		a64, w64 := any(a).([]float64), any(w).([]float64)[:n]
		for r := 0; r < m; r++ {
			floats.AddScaled(c64[r*n:r*n+n], a64[r], w64)
		}
		return
	}
	w = w[:n]
	for r := 0; r < m; r++ {
		row, s := c[r*n:r*n+n], a[r]
		if beta == 0 {
			for j, v := range w {
				row[j] = s * v
			}
			continue
		}
		for j, v := range w {
			row[j] = beta*row[j] + s*v
		}
	}
}
