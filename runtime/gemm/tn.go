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

// tnMaxMN bounds the m and n that dgemmTN takes, except that products of
// at most tnWideMaxM rows take any n: each of B's tiles is read once per 8
// rows of C, so with few rows B is read about as often as packing it would
// read it. On the Intel Xeon of 2026-12-07 (BenchmarkTN, beside a training
// run) in place against packed: 16×288 and 16×1024 1.8–2.9× as fast,
// 64×128 1.1×, 32×512 0.7× and 64×1024 0.9×.
const (
	tnMaxMN    = 64
	tnWideMaxM = 16
)

// dgemmTNRun computes the product p in place when it is an Aᵀ·B that
// dgemmTN takes (op(A) = Aᵀ, op(B) = B, beta 0 or 1, and m, n ≤ tnMaxMN,
// or dgemmRowsMaxM < m ≤ tnWideMaxM with any n) and reports whether it
// did. Products of at most dgemmRowsMaxM rows and a wide B, such as an
// MLP's read-out gradient, keep the matrix–vector path and its bits. Other betas keep the packed path, whose edge
// tiles add beta·C to alpha·acc in two roundings where the kernels fuse
// them: with beta 0 or 1 both give the same bits. Products of m ≤
// dgemmRowsMaxM rows, which Dgemm would otherwise compute as matrix–vector
// products (dgemmRows, gonum's Dgemv: another order of operations), run
// here whole, with one chain per element as the packed kernels' 4-row
// panels.
func dgemmTNRun(p *dgemmParams) bool {
	wideOK := p.m > dgemmRowsMaxM && p.m <= tnWideMaxM
	if !useTN || p.packed || !p.aTrans || p.bTrans || p.m > tnMaxMN || p.n > tnMaxMN && !wideOK || p.beta != 0 && p.beta != 1 {
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
