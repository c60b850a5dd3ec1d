package gemm

import "os"

// In-place Aᵀ·B: the kernel gradients of the generated code are products
// C = Aᵀ·B of two tall, narrow matrices, A (k×m) and B (k×n) with k the
// rows of a chunk (samples × sites) and m, n the channels or taps (4–48).
// The packed path copies all of A, transposed, and all of B for every such
// call, which for a one-sample chunk costs more than the products. dgemmTN
// reads both in place instead: kernels of 8, 4, 2 or 1 rows of C (columns
// of A) by up to 16 columns (masked at the right edge), over the same depth
// blocks as the packed path (balance(k, KC, 1)) and with each element's
// products in the same order, so the results are bitwise the packed
// path's (for beta 0 or 1, the generated code's; see dgemmTNRun); the rows
// of a last MR-row panel of 1–3 rows go through the packed path. B's tile is
// reread once per 8 rows of C, from L1 for a block of KC rows.

// useTN selects dgemmTN; MAFC_GEMM=avx2 (no AVX-512 kernels) or
// MAFC_GEMM_TN=off keeps the packed path. Tests switch it.
var useTN = haveTNAsm && useWide && os.Getenv("MAFC_GEMM_TN") != "off"

// tnMaxMN bounds the m and n that dgemmTN takes: past it C's tiles reread
// B (or A) often enough that packing pays again.
const tnMaxMN = 64

// dgemmTNRun computes the product p in place when it is an Aᵀ·B that
// dgemmTN takes (op(A) = Aᵀ, op(B) = B, m and n ≤ tnMaxMN, beta 0 or 1)
// and reports whether it did. Other betas keep the packed path, whose edge
// tiles add beta·C to alpha·acc in two roundings where the kernels fuse
// them: with beta 0 or 1 both give the same bits. Products of m ≤
// dgemmRowsMaxM rows, which Dgemm would otherwise compute as matrix–vector
// products (dgemmRows, gonum's Dgemv: another order of operations), run
// here whole, with one chain per element as the packed kernels' 4-row
// panels.
func dgemmTNRun(p *dgemmParams) bool {
	if !useTN || p.packed || !p.aTrans || p.bTrans || p.m > tnMaxMN || p.n > tnMaxMN || p.beta != 0 && p.beta != 1 {
		return false
	}
	// The packed path sums each element's products in one chain in its
	// MR-row kernels and in the narrow 4-row ones, as these kernels do; a
	// last panel of 1–3 rows goes through narrow kernels with several
	// chains, so (beyond dgemmRowsMaxM rows) those rows stay on the packed
	// path, as a panel of their own.
	k, m6 := p.k, p.m
	if rem := p.m % dgemmMR; rem < 4 && p.m > dgemmRowsMaxM {
		m6 -= rem
	}
	kcb := balance(k, dgemmKC, 1)
	for pc := 0; pc < k; pc += kcb {
		kc := min(kcb, k-pc)
		beta := p.beta
		if pc > 0 {
			beta = 1
		}
		for j := 0; j < p.n; j += 16 {
			w := min(16, p.n-j)
			for i := 0; i < m6; {
				r := 8
				for r > m6-i {
					r /= 2
				}
				dgemmTNTile(r, w, kc, pc, i, j, p.alpha, p.a, p.lda, p.b, p.ldb, beta, p.c, p.ldc)
				i += r
			}
		}
	}
	if m6 < p.m {
		ar := getArena()
		ar.dgemmBlock(p, m6, p.m, 0, p.n)
		putArena(ar)
	}
	return true
}

// sgemmTNRun is dgemmTNRun's float32 twin (sgemm.go calls it): not built,
// so float32 products keep the packed path.
func sgemmTNRun(p *sgemmParams) bool { return false }
