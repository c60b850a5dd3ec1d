package gemm

import "gonum.org/v1/gonum/blas"

// Pre-packed right-hand operands.
//
// A weight matrix W that stays constant between optimiser steps but takes
// part in thousands of products per step only needs to be packed once:
// PackedB64.Pack (PackedB32.Pack) converts op(B) into the micro-panel layout
// the kernels read, and DgemmPacked (SgemmPacked) runs the usual Goto/BLIS
// loop nest with the B-packing step removed, so a call with few rows costs
// only packing A (m×k) and the micro-kernels.
//
// Packed layout (assembly path). op(B), k×n, is cut into ⌈n/NR⌉ micro-panels
// of NR consecutive columns (NR = 8 for float64, 16 for float32). Each panel
// covers the whole depth k and stores the NR elements of each row of op(B)
// contiguously, so
//
//	op(B)[p, j] = data[(j/NR)·NR·k + p·NR + j%NR]
//
// and the columns of the last panel past n are zero. The total size is
// k·⌈n/NR⌉·NR elements. This is exactly what the driver packs per KC×NC
// block (dgemmPackB with kc = k), except that the micro-panels are k rows
// deep instead of kc: the kc×nc block at (pc, jc) is the rows pc…pc+kc-1 of
// the panels jc/NR, jc/NR+1, …, each still a contiguous kc×NR sliver, with
// the panels k·NR elements apart. The macro-kernel takes that distance as a
// parameter, so the blocks are read in place for any KC blocking (k is
// balanced per call as for Dgemm) and for any NR-aligned column split the
// thread planner chooses; nothing is repacked per call.
//
// Fallback (no AVX2/FMA, other architectures, the noasm tag, or the
// package's test switch forceFallback at Pack time) and the OpenBLAS
// backend (build tag openblas): Pack keeps a compact copy of B in its
// stored orientation and DgemmPacked hands it to Dgemm, that is to gonum
// (or OpenBLAS), with the same results as calling Dgemm on the original B.

// PackedB64 holds op(B), the k×n right-hand operand of a float64 product,
// packed for this package's micro-kernel (see the layout above). The zero
// value is an empty 0×0 operand; Pack fills it and reuses its memory when
// the new operand fits. A PackedB64 is read-only for DgemmPacked: any number
// of goroutines may use one at the same time, but not while Pack runs on it.
type PackedB64 struct {
	k, n  int
	plain bool // data is a compact copy of B as stored (fallback, OpenBLAS)
	trans bool // plain only: B is stored n×k, op(B) = Bᵀ
	data  []float64
}

// K returns the number of rows of the packed op(B) (the inner dimension).
func (p *PackedB64) K() int { return p.k }

// N returns the number of columns of the packed op(B) (the columns of C).
func (p *PackedB64) N() int { return p.n }

// Pack packs op(B) of a k×n product: with tB, B is stored n×k row-major with
// stride ldb (op(B) = Bᵀ, the usual case of a weight matrix W in X·Wᵀ);
// otherwise B is stored k×n. It reuses p's buffer when it is large enough
// and allocates only when it grows. It panics on inconsistent arguments.
func (p *PackedB64) Pack(tB bool, k, n int, b []float64, ldb int) {
	checkPackArgs(tB, k, n, len(b), ldb)
	p.k, p.n, p.trans = k, n, tB
	p.plain = !asmEnabled()
	if p.plain {
		rows, cols := k, n
		if tB {
			rows, cols = n, k
		}
		p.data = grow(p.data, rows*cols)
		if cols > 0 {
			for i := range rows {
				copy(p.data[i*cols:(i+1)*cols], b[i*ldb:])
			}
		}
		return
	}
	p.data = grow(p.data, k*roundUp(n, dgemmNR))
	if k > 0 && n > 0 {
		dgemmPackB(p.data, b, ldb, tB, 0, k, 0, n)
	}
}

// DgemmPacked computes C = alpha·op(A)·B + beta·C, where B is pre-packed
// (k×n, see PackedB64), op(A) is m×k (A stored m×k with stride lda, or k×m
// when tA) and C is m×n with stride ldc, all row-major. It follows the BLAS
// semantics of Dgemm: with alpha == 0 or k == 0, A is not read and
// C = beta·C; with beta == 0, C is not read (NaNs there do not propagate);
// nothing outside the m×n part of C is written. It does not allocate, uses
// up to Threads() goroutines like Dgemm, and may be called concurrently from
// several goroutines sharing one PackedB64. It panics on inconsistent
// arguments.
func DgemmPacked(tA bool, m int, alpha float64, a []float64, lda int, b *PackedB64, beta float64, c []float64, ldc int) {
	if b == nil {
		panic("gemm: nil packed B")
	}
	k, n := b.k, b.n
	checkPackedArgs(tA, m, n, k, len(a), lda, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		dgemmScale(m, n, beta, c, ldc)
		return
	}
	if b.plain {
		tAb, tBb, ldb := blas.NoTrans, blas.NoTrans, n
		if tA {
			tAb = blas.Trans
		}
		if b.trans {
			tBb, ldb = blas.Trans, k
		}
		Implementation{}.Dgemm(tAb, tBb, m, n, k, alpha, a, lda, b.data, ldb, beta, c, ldc)
		return
	}
	p := dgemmParams{
		aTrans: tA, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, c: c, ldc: ldc,
		packed: true, bp: b.data,
	}
	dgemmRun(&p)
}

// PackedB32 is PackedB64 for float32 (micro-panels of NR = 16 columns).
type PackedB32 struct {
	k, n  int
	plain bool // data is a compact copy of B as stored (fallback, OpenBLAS)
	trans bool // plain only: B is stored n×k, op(B) = Bᵀ
	data  []float32
}

// K returns the number of rows of the packed op(B) (the inner dimension).
func (p *PackedB32) K() int { return p.k }

// N returns the number of columns of the packed op(B) (the columns of C).
func (p *PackedB32) N() int { return p.n }

// Pack packs op(B) of a k×n product; see PackedB64.Pack.
func (p *PackedB32) Pack(tB bool, k, n int, b []float32, ldb int) {
	checkPackArgs(tB, k, n, len(b), ldb)
	p.k, p.n, p.trans = k, n, tB
	p.plain = !asmEnabled()
	if p.plain {
		rows, cols := k, n
		if tB {
			rows, cols = n, k
		}
		p.data = grow(p.data, rows*cols)
		if cols > 0 {
			for i := range rows {
				copy(p.data[i*cols:(i+1)*cols], b[i*ldb:])
			}
		}
		return
	}
	p.data = grow(p.data, k*roundUp(n, sgemmNR))
	if k > 0 && n > 0 {
		sgemmPackB(p.data, b, ldb, tB, 0, k, 0, n)
	}
}

// SgemmPacked computes C = alpha·op(A)·B + beta·C in float32 with B
// pre-packed; see DgemmPacked.
func SgemmPacked(tA bool, m int, alpha float32, a []float32, lda int, b *PackedB32, beta float32, c []float32, ldc int) {
	if b == nil {
		panic("gemm: nil packed B")
	}
	k, n := b.k, b.n
	checkPackedArgs(tA, m, n, k, len(a), lda, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		sgemmScale(m, n, beta, c, ldc)
		return
	}
	if b.plain {
		tAb, tBb, ldb := blas.NoTrans, blas.NoTrans, n
		if tA {
			tAb = blas.Trans
		}
		if b.trans {
			tBb, ldb = blas.Trans, k
		}
		Implementation{}.Sgemm(tAb, tBb, m, n, k, alpha, a, lda, b.data, ldb, beta, c, ldc)
		return
	}
	p := sgemmParams{
		aTrans: tA, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, c: c, ldc: ldc,
		packed: true, bp: b.data,
	}
	sgemmRun(&p)
}

// grow returns s resized to n elements, reusing its memory when the
// capacity allows. The contents are not preserved.
func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// checkPackArgs validates the arguments of Pack.
func checkPackArgs(tB bool, k, n, lenB, ldb int) {
	if k < 0 {
		panic("gemm: k < 0")
	}
	if n < 0 {
		panic("gemm: n < 0")
	}
	rows, cols := k, n
	if tB {
		rows, cols = n, k
	}
	if ldb < max(1, cols) {
		panic("gemm: bad ldb")
	}
	if rows > 0 && cols > 0 && lenB < (rows-1)*ldb+cols {
		panic("gemm: insufficient length of b")
	}
}

// checkPackedArgs validates the arguments of DgemmPacked and SgemmPacked
// (n and k come from the packed operand).
func checkPackedArgs(tA bool, m, n, k, lenA, lda, lenC, ldc int) {
	if m < 0 {
		panic("gemm: m < 0")
	}
	rows, cols := m, k
	if tA {
		rows, cols = k, m
	}
	if lda < max(1, cols) {
		panic("gemm: bad lda")
	}
	if ldc < max(1, n) {
		panic("gemm: bad ldc")
	}
	if rows > 0 && cols > 0 && lenA < (rows-1)*lda+cols {
		panic("gemm: insufficient length of a")
	}
	if m > 0 && n > 0 && lenC < (m-1)*ldc+n {
		panic("gemm: insufficient length of c")
	}
}
