package gemm

import "gonum.org/v1/gonum/blas"

// PackedB64 and DgemmPacked; gen_single.go writes packed32.go, their
// float32 twins PackedB32 and SgemmPacked, from this file. The layout is
// described in packed.go.

// PackedB64 holds op(B), the k×n right-hand operand of a float64 product,
// packed for this package's micro-kernel (see the layout described in
// packed.go). The zero value is an empty 0×0 operand; Pack fills it and
// reuses its memory when the new operand fits. A PackedB64 is read-only for
// DgemmPacked: any number of goroutines may use one at the same time, but
// not while Pack runs on it.
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
