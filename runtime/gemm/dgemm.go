package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// This file is the float64 GEMM: Dgemm, its driver (the Goto/BLIS loop
// nest), the packers and the dispatch to the micro-kernels. gen_single.go
// writes the float32 GEMM, sgemm.go, from it by renaming (float64 to
// float32, dgemm to sgemm, Dgemm to Sgemm): edit this file and run
// go generate.
//
//go:generate go run gen_single.go

// Dgemm computes C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ as
// selected by tA and tB, A is m×k, B is k×n and C is m×n after op, all
// row-major. Invalid arguments panic with gonum's messages.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !gemmArgsOK(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		// gonum validates in the reference order and panics with its own
		// messages.
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		// Reference BLAS semantics: A and B are not read, C = beta·C.
		// (gonum would still form 0·A·B and propagate NaNs in A or B.)
		dgemmScale(m, n, beta, c, ldc)
		return
	}
	if m*n*k >= smallMNK && activeBackend() == backendOpenBLAS &&
		openblasDgemm(tA != blas.NoTrans, tB != blas.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	if !asmEnabled() || m*n*k < smallMNK {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	p := dgemmParams{
		aTrans: tA != blas.NoTrans, bTrans: tB != blas.NoTrans,
		m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
	}
	if dgemmTNRun(&p) {
		return
	}
	if m <= dgemmRowsMaxM {
		dgemmRows(p.aTrans, p.bTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	dgemmRun(&p)
}

// dgemmRows computes a validated Dgemm with few rows as m matrix-vector
// products C[i,:] = alpha·op(B)ᵀ·op(A)[i,:] + beta·C[i,:] with gonum's
// (assembly) Dgemv, which streams B once per row without packing it and
// does not allocate. x and y are sliced to their exact extents (gonum's
// Sgemv clears the whole y slice when beta == 0).
func dgemmRows(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	g := gonum.Implementation{}
	for i := range m {
		var x []float64
		incX := 1
		if tA {
			x, incX = a[i:i+(k-1)*lda+1], lda
		} else {
			x = a[i*lda : i*lda+k]
		}
		y := c[i*ldc : i*ldc+n]
		if tB {
			g.Dgemv(blas.NoTrans, n, k, alpha, b, ldb, x, incX, beta, y, 1)
		} else {
			g.Dgemv(blas.Trans, k, n, alpha, b, ldb, x, incX, beta, y, 1)
		}
	}
}

// dgemmRun computes a validated, non-trivial Dgemm or DgemmPacked.
func dgemmRun(p *dgemmParams) {
	t := Threads()
	rows, cols, tm, tn := plan(p.m, p.n, p.k, t, dgemmMR, dgemmNR, dgemmNC, p.packed)
	if tm*tn == 1 {
		ar := getArena()
		ar.dgemmBlock(p, 0, p.m, 0, p.n)
		putArena(ar)
		return
	}
	j := getJob()
	j.f32 = dgemmF32
	j.dgemm = *p
	j.m, j.n, j.rows, j.cols, j.tn, j.ntask = p.m, p.n, rows, cols, tn, int64(tm*tn)
	execute(j, min(t, tm*tn)-1)
	putJob(j)
}

// dgemmParams describes one validated Dgemm call: C = alpha·op(A)·op(B) + beta·C.
type dgemmParams struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float64
	a              []float64
	lda            int
	b              []float64
	ldb            int
	c              []float64
	ldc            int

	// packed: op(B) is already packed in bp (see PackedB64 for the layout)
	// and b/ldb/bTrans are unused.
	packed bool
	bp     []float64
}

// dgemmBlock computes the block C[i0:i1, j0:j1] of the product described by p
// with the Goto/BLIS loop nest, using the packing buffers of ar.
func (ar *arena) dgemmBlock(p *dgemmParams, i0, i1, j0, j1 int) {
	k := p.k
	// Balance the blocks so that the last one is not a sliver: for k = 784,
	// four blocks of 196 instead of 3×256 + 16.
	kcb := balance(k, dgemmKC, 1)
	mcb := balance(i1-i0, dgemmMC, dgemmMR)
	ncb := balance(j1-j0, dgemmNC, dgemmNR)
	for jc := j0; jc < j1; jc += ncb {
		nc := min(ncb, j1-jc)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			// bb holds the kc×nc block of op(B) as NR-column micro-panels
			// bs elements apart.
			bb, bs := ar.dgemmB, kc*dgemmNR
			if p.packed {
				// Pre-packed: the micro-panels span the whole depth k, so
				// the block starts pc rows into panel jc/NR.
				bb, bs = p.bp[jc*k+pc*dgemmNR:], k*dgemmNR
			} else {
				dgemmPackB(ar.dgemmB, p.b, p.ldb, p.bTrans, pc, kc, jc, nc)
			}
			// A narrow or shallow block reads A in place (see dgemmUnpacked):
			// its full MR-row panels; the edge rows go through a packed
			// panel as before.
			unpacked := dgemmUnpacked && !p.aTrans && (nc <= dgemmUnpackedN || kc <= dgemmUnpackedK)
			for ic := i0; ic < i1; ic += mcb {
				mc := min(mcb, i1-ic)
				c := p.c[ic*p.ldc+jc:]
				fm := mc / dgemmMR * dgemmMR
				if !unpacked || fm == 0 {
					dgemmPackA(ar.dgemmA, p.a, p.lda, p.aTrans, ic, mc, pc, kc)
					dgemmMacro(mc, nc, kc, ar.dgemmA, bb, bs, c, p.ldc, p.alpha, beta)
					continue
				}
				dgemmMacroU(fm, nc, kc, p.a[ic*p.lda+pc:], p.lda, bb, bs, c, p.ldc, p.alpha, beta)
				if fm < mc {
					dgemmPackA(ar.dgemmA, p.a, p.lda, false, ic+fm, mc-fm, pc, kc)
					dgemmMacro(mc-fm, nc, kc, ar.dgemmA, bb, bs, c[fm*p.ldc:], p.ldc, p.alpha, beta)
				}
			}
		}
	}
}

// dgemmMacro multiplies a packed mc×kc block of A by a packed kc×nc block
// of B into C (which starts at the block's top-left element). The NR-column
// micro-panels of B (kc×NR each) start bs elements apart. With wide kernels
// (AVX-512) two full micro-panels go through dgemmKernel16 at once.
func dgemmMacro(mc, nc, kc int, ap, bp []float64, bs int, c []float64, ldc int, alpha, beta float64) {
	var tmp [dgemmMR * dgemmNR]float64
	for jr := 0; jr < nc; {
		bpp := &bp[jr/dgemmNR*bs]
		if useWide && nc-jr >= 2*dgemmNR {
			for ir := 0; ir < mc; ir += dgemmMR {
				mr := min(dgemmMR, mc-ir)
				app := &ap[ir*kc]
				if mr == dgemmMR {
					dgemmKernel16(kc, app, bpp, bs, &c[ir*ldc+jr], ldc, alpha, beta)
					continue
				}
				if mr <= 4 {
					dgemmKernelRowsWide(mr, kc, app, bpp, bs, &c[ir*ldc+jr], ldc, alpha, beta)
					continue
				}
				dgemmTile(mr, dgemmNR, kc, app, bpp, c[ir*ldc+jr:], ldc, alpha, beta, &tmp)
				dgemmTile(mr, dgemmNR, kc, app, &bp[(jr/dgemmNR+1)*bs], c[ir*ldc+jr+dgemmNR:], ldc, alpha, beta, &tmp)
			}
			jr += 2 * dgemmNR
			continue
		}
		nr := min(dgemmNR, nc-jr)
		for ir := 0; ir < mc; ir += dgemmMR {
			dgemmTile(min(dgemmMR, mc-ir), nr, kc, &ap[ir*kc], bpp, c[ir*ldc+jr:], ldc, alpha, beta, &tmp)
		}
		jr += dgemmNR
	}
}

// dgemmUnpacked switches on the kernels' unpacked-A path for the
// blocks that gain from it (a variable so that tests can compare it with
// the packed path). Packing an mc×kc block of A costs about as much as
// running the kernel over 2·NR columns of it, so a block with few columns
// (nc ≤ dgemmUnpackedN: a convolution's channels, a product with a vector
// of orbits) or a shallow one (kc ≤ dgemmUnpackedK: its MR rows fit in a
// few cache lines) reads A in place; measured on an Intel Xeon (AVX-512),
// BenchmarkUnpackedA: 1.0–3.8× faster on the convolutions' shapes, and
// 5–25% slower on deep, wide products (k = 256, n = 512), which keep
// packing.
var dgemmUnpacked = true

const (
	dgemmUnpackedN = 8 * dgemmNR
	dgemmUnpackedK = 32
)

// dgemmMacroU is dgemmMacro for an unpacked A (mc×kc, stride lda, starting
// at a[0]) on full MR-row panels only (mc is a multiple of MR). Pairs of B
// micro-panels go through the wide kernel where there is one; a last
// partial micro-panel (nc not a multiple of NR) is computed into tmp and
// merged, as in dgemmTile. The results are those of packing A and calling
// dgemmMacro.
func dgemmMacroU(mc, nc, kc int, a []float64, lda int, bp []float64, bs int, c []float64, ldc int, alpha, beta float64) {
	// The kernels read rows ir…ir+MR−1 of A (kc each), one or two B
	// micro-panels and an MR-row tile of C: check the last of each once.
	_ = a[(mc-1)*lda+kc-1]
	_ = bp[(nc-1)/dgemmNR*bs+kc*dgemmNR-1]
	_ = c[(mc-1)*ldc+nc-1]
	for jr := 0; jr < nc; {
		bpp := &bp[jr/dgemmNR*bs]
		switch {
		case useWide && nc-jr >= 2*dgemmNR:
			for ir := 0; ir < mc; ir += dgemmMR {
				dgemmKernel16U(kc, &a[ir*lda], lda, bpp, bs, &c[ir*ldc+jr], ldc, alpha, beta)
			}
			jr += 2 * dgemmNR
		case nc-jr >= dgemmNR:
			for ir := 0; ir < mc; ir += dgemmMR {
				dgemmKernelU(kc, &a[ir*lda], lda, bpp, &c[ir*ldc+jr], ldc, alpha, beta)
			}
			jr += dgemmNR
		default:
			var tmp [dgemmMR * dgemmNR]float64
			nr := nc - jr
			for ir := 0; ir < mc; ir += dgemmMR {
				dgemmKernelU(kc, &a[ir*lda], lda, bpp, &tmp[0], dgemmNR, alpha, 0)
				for i := range dgemmMR {
					t := tmp[i*dgemmNR : i*dgemmNR+nr]
					cr := c[(ir+i)*ldc+jr:][:nr]
					if beta == 0 {
						copy(cr, t)
					} else {
						for j, v := range t {
							cr[j] = v + beta*cr[j]
						}
					}
				}
			}
			jr = nc
		}
	}
}

// dgemmTile computes one mr×nr tile (mr ≤ MR, nr ≤ NR) of C, which starts
// at c[0], from a packed A panel and one B micro-panel. tmp is scratch for
// edge tiles.
func dgemmTile(mr, nr, kc int, app, bpp *float64, c []float64, ldc int, alpha, beta float64, tmp *[dgemmMR * dgemmNR]float64) {
	if mr == dgemmMR && nr == dgemmNR {
		dgemmKernel(kc, app, bpp, &c[0], ldc, alpha, beta)
		return
	}
	if mr <= 4 && nr == dgemmNR {
		// Few rows: the narrow kernels write only mr rows.
		dgemmKernelRows(mr, kc, app, bpp, &c[0], ldc, alpha, beta)
		return
	}
	// Edge tile: compute the tile into tmp and merge only the valid mr×nr
	// part, so that nothing outside the matrix (such as the padding between
	// rows) is touched.
	if mr <= 4 {
		dgemmKernelRows(mr, kc, app, bpp, &tmp[0], dgemmNR, alpha, 0)
	} else {
		dgemmKernel(kc, app, bpp, &tmp[0], dgemmNR, alpha, 0) // zero-padded rows
	}
	for i := range mr {
		t := tmp[i*dgemmNR : i*dgemmNR+nr]
		cr := c[i*ldc:][:nr]
		if beta == 0 {
			copy(cr, t)
		} else {
			for j, v := range t {
				cr[j] = v + beta*cr[j]
			}
		}
	}
}

// dgemmKernelRowsWide runs the wide narrow kernel for an mr×2NR tile over
// two B micro-panels bs elements apart, 1 ≤ mr ≤ 4.
func dgemmKernelRowsWide(mr, kc int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	switch mr {
	case 1:
		dgemmKernelW1(kc, a, b, bs, c, ldc, alpha, beta)
	case 2:
		dgemmKernelW2(kc, a, b, bs, c, ldc, alpha, beta)
	case 3:
		dgemmKernelW3(kc, a, b, bs, c, ldc, alpha, beta)
	default:
		dgemmKernelW4(kc, a, b, bs, c, ldc, alpha, beta)
	}
}

// dgemmKernelRows runs the narrow kernel for an mr×NR tile, 1 ≤ mr ≤ 4.
func dgemmKernelRows(mr, kc int, a, b, c *float64, ldc int, alpha, beta float64) {
	switch mr {
	case 1:
		dgemmKernel1(kc, a, b, c, ldc, alpha, beta)
	case 2:
		dgemmKernel2(kc, a, b, c, ldc, alpha, beta)
	case 3:
		dgemmKernel3(kc, a, b, c, ldc, alpha, beta)
	default:
		dgemmKernel4(kc, a, b, c, ldc, alpha, beta)
	}
}

// dgemmPackA packs op(A)[i0:i0+mc, p0:p0+kc] into dst as a sequence of
// MR-row micro-panels; panel q occupies dst[q·MR·kc : (q+1)·MR·kc] with the
// MR elements of each column stored contiguously. Rows past mc are zero
// when the last panel has five rows (see dgemmPadA) and undefined otherwise.
func dgemmPackA(dst, a []float64, lda int, trans bool, i0, mc, p0, kc int) {
	const mr = dgemmMR
	full := mc / mr * mr // rows in complete panels
	if trans {
		// op(A)[i, p] = a[p*lda+i]: walk the rows of a (contiguous in i)
		// and scatter MR-element pieces into the panels.
		dgemmPackAT(dst, a[p0*lda+i0:], lda, kc, full/mr)
		if full < mc {
			d := dst[full*kc : (full+mr)*kc]
			dgemmPadA(d, mc-full, kc)
			for p := range kc {
				copy(d[p*mr:], a[(p0+p)*lda+i0+full:][:mc-full])
			}
		}
		return
	}
	// op(A)[i, p] = a[i*lda+p]: gather MR rows per panel.
	for ir := 0; ir < full; ir += mr {
		dgemmPackA6(dst[ir*kc:(ir+mr)*kc], a[(i0+ir)*lda+p0:], lda, kc)
	}
	if full < mc {
		d := dst[full*kc : (full+mr)*kc]
		dgemmPadA(d, mc-full, kc)
		for r := range mc - full {
			row := a[(i0+full+r)*lda+p0:][:kc]
			for p, v := range row {
				d[p*mr+r] = v
			}
		}
	}
}

// dgemmPadA zeroes the padding rows (rows ≥ rows) of a partial A panel d
// of depth kc. Only the 6-row kernel, used for panels of more than four
// rows, reads them; the narrow kernels read just their rows, so smaller
// panels need no padding (which for m = 1 would be 5/6 of the panel).
func dgemmPadA(d []float64, rows, kc int) {
	const mr = dgemmMR
	if rows <= 4 {
		return
	}
	for p := range kc {
		clear(d[p*mr+rows : p*mr+mr])
	}
}

// dgemmPackATGo packs np full MR-row panels of a transposed A:
// d[q·MR·kc + p·MR + r] = a[p·lda + q·MR + r].
func dgemmPackATGo(d, a []float64, lda, kc, np int) {
	const mr = dgemmMR
	for p := range kc {
		src := a[p*lda:][:np*mr]
		for q := range np {
			*(*[mr]float64)(d[q*mr*kc+p*mr:]) = *(*[mr]float64)(src[q*mr:])
		}
	}
}

// dgemmPackA6Go packs six rows of a (row stride lda, kc columns) into d,
// column by column.
func dgemmPackA6Go(d, a []float64, lda, kc int) {
	const mr = dgemmMR
	r0 := a[:kc]
	r1 := a[lda:][:kc]
	r2 := a[2*lda:][:kc]
	r3 := a[3*lda:][:kc]
	r4 := a[4*lda:][:kc]
	r5 := a[5*lda:][:kc]
	d = d[:kc*mr]
	for p := range r0 {
		dp := (*[mr]float64)(d[p*mr:])
		dp[0] = r0[p]
		dp[1] = r1[p]
		dp[2] = r2[p]
		dp[3] = r3[p]
		dp[4] = r4[p]
		dp[5] = r5[p]
	}
}

// dgemmPackB packs op(B)[p0:p0+kc, j0:j0+nc] into dst as a sequence of
// NR-column micro-panels; panel q occupies dst[q·NR·kc : (q+1)·NR·kc] with
// the NR elements of each row stored contiguously. Columns past nc are zero.
func dgemmPackB(dst, b []float64, ldb int, trans bool, p0, kc, j0, nc int) {
	const nr = dgemmNR
	full := nc / nr * nr // columns in complete panels
	if !trans {
		// op(B)[p, j] = b[p*ldb+j]: walk the rows of b and scatter
		// NR-element pieces into the panels.
		if full < nc {
			clear(dst[full*kc : (full+nr)*kc])
		}
		for p := range kc {
			src := b[(p0+p)*ldb+j0:][:nc]
			for jr := 0; jr < full; jr += nr {
				*(*[nr]float64)(dst[jr*kc+p*nr:]) = *(*[nr]float64)(src[jr:])
			}
			if full < nc {
				copy(dst[full*kc+p*nr:], src[full:])
			}
		}
		return
	}
	// op(B)[p, j] = b[j*ldb+p]: gather NR rows of b per panel.
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[jr*kc : (jr+nr)*kc]
		if cols < nr {
			clear(d)
		}
		for c := range cols {
			row := b[(j0+jr+c)*ldb+p0:][:kc]
			for p, v := range row {
				d[p*nr+c] = v
			}
		}
	}
}

// dgemmScale sets C = beta·C (C = 0 when beta == 0) for the alpha == 0 and
// k == 0 cases.
func dgemmScale(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
