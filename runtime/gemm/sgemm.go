package gemm

// This file is the float32 twin of dgemm.go (the same code with
// float64→float32, dgemm→sgemm and its own block sizes); keep the two in sync.

// Register-block and cache-block sizes for float32; see doc.go for the
// reasoning behind the numbers.
const (
	sgemmMR = 6    // rows of the micro-tile (broadcast elements of A)
	sgemmNR = 16   // columns of the micro-tile (two 8-wide vectors of B)
	sgemmMC = 120  // rows of a packed A block (MC×KC×4 B = 120 KiB)
	sgemmKC = 256  // depth of a block (KC×NR×4 B = 16 KiB B sliver in L1)
	sgemmNC = 2048 // columns of a packed B block (KC×NC×4 B = 2 MiB in L3)
)

// sgemmParams describes one validated Sgemm call: C = alpha·op(A)·op(B) + beta·C.
type sgemmParams struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int

	// packed: op(B) is already packed in bp (see PackedB64 for the layout)
	// and b/ldb/bTrans are unused.
	packed bool
	bp     []float32
}

// sgemmBlock computes the block C[i0:i1, j0:j1] of the product described by p
// with the Goto/BLIS loop nest, using the packing buffers of ar.
func (ar *arena) sgemmBlock(p *sgemmParams, i0, i1, j0, j1 int) {
	k := p.k
	// Balance the blocks so that the last one is not a sliver: for k = 784,
	// four blocks of 196 instead of 3×256 + 16.
	kcb := balance(k, sgemmKC, 1)
	mcb := balance(i1-i0, sgemmMC, sgemmMR)
	ncb := balance(j1-j0, sgemmNC, sgemmNR)
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
			bb, bs := ar.sgemmB, kc*sgemmNR
			if p.packed {
				// Pre-packed: the micro-panels span the whole depth k, so
				// the block starts pc rows into panel jc/NR.
				bb, bs = p.bp[jc*k+pc*sgemmNR:], k*sgemmNR
			} else {
				sgemmPackB(ar.sgemmB, p.b, p.ldb, p.bTrans, pc, kc, jc, nc)
			}
			for ic := i0; ic < i1; ic += mcb {
				mc := min(mcb, i1-ic)
				sgemmPackA(ar.sgemmA, p.a, p.lda, p.aTrans, ic, mc, pc, kc)
				sgemmMacro(mc, nc, kc, ar.sgemmA, bb, bs, p.c[ic*p.ldc+jc:], p.ldc, p.alpha, beta)
			}
		}
	}
}

// sgemmMacro multiplies a packed mc×kc block of A by a packed kc×nc block
// of B into C (which starts at the block's top-left element). The NR-column
// micro-panels of B (kc×NR each) start bs elements apart. With wide kernels
// (AVX-512) two full micro-panels go through sgemmKernel32 at once.
func sgemmMacro(mc, nc, kc int, ap, bp []float32, bs int, c []float32, ldc int, alpha, beta float32) {
	var tmp [sgemmMR * sgemmNR]float32
	for jr := 0; jr < nc; {
		bpp := &bp[jr/sgemmNR*bs]
		if useWide && nc-jr >= 2*sgemmNR {
			for ir := 0; ir < mc; ir += sgemmMR {
				mr := min(sgemmMR, mc-ir)
				app := &ap[ir*kc]
				if mr == sgemmMR {
					sgemmKernel32(kc, app, bpp, bs, &c[ir*ldc+jr], ldc, alpha, beta)
					continue
				}
				if mr <= 4 {
					sgemmKernelRowsWide(mr, kc, app, bpp, bs, &c[ir*ldc+jr], ldc, alpha, beta)
					continue
				}
				sgemmTile(mr, sgemmNR, kc, app, bpp, c[ir*ldc+jr:], ldc, alpha, beta, &tmp)
				sgemmTile(mr, sgemmNR, kc, app, &bp[(jr/sgemmNR+1)*bs], c[ir*ldc+jr+sgemmNR:], ldc, alpha, beta, &tmp)
			}
			jr += 2 * sgemmNR
			continue
		}
		nr := min(sgemmNR, nc-jr)
		for ir := 0; ir < mc; ir += sgemmMR {
			sgemmTile(min(sgemmMR, mc-ir), nr, kc, &ap[ir*kc], bpp, c[ir*ldc+jr:], ldc, alpha, beta, &tmp)
		}
		jr += sgemmNR
	}
}

// sgemmTile computes one mr×nr tile (mr ≤ MR, nr ≤ NR) of C, which starts
// at c[0], from a packed A panel and one B micro-panel. tmp is scratch for
// edge tiles.
func sgemmTile(mr, nr, kc int, app, bpp *float32, c []float32, ldc int, alpha, beta float32, tmp *[sgemmMR * sgemmNR]float32) {
	if mr == sgemmMR && nr == sgemmNR {
		sgemmKernel(kc, app, bpp, &c[0], ldc, alpha, beta)
		return
	}
	if mr <= 4 && nr == sgemmNR {
		// Few rows: the narrow kernels write only mr rows.
		sgemmKernelRows(mr, kc, app, bpp, &c[0], ldc, alpha, beta)
		return
	}
	// Edge tile: compute the tile into tmp and merge only the valid mr×nr
	// part, so that nothing outside the matrix (such as the padding between
	// rows) is touched.
	if mr <= 4 {
		sgemmKernelRows(mr, kc, app, bpp, &tmp[0], sgemmNR, alpha, 0)
	} else {
		sgemmKernel(kc, app, bpp, &tmp[0], sgemmNR, alpha, 0) // zero-padded rows
	}
	for i := range mr {
		t := tmp[i*sgemmNR : i*sgemmNR+nr]
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

// sgemmKernelRowsWide runs the wide narrow kernel for an mr×2NR tile over
// two B micro-panels bs elements apart, 1 ≤ mr ≤ 4.
func sgemmKernelRowsWide(mr, kc int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	switch mr {
	case 1:
		sgemmKernelW1(kc, a, b, bs, c, ldc, alpha, beta)
	case 2:
		sgemmKernelW2(kc, a, b, bs, c, ldc, alpha, beta)
	case 3:
		sgemmKernelW3(kc, a, b, bs, c, ldc, alpha, beta)
	default:
		sgemmKernelW4(kc, a, b, bs, c, ldc, alpha, beta)
	}
}

// sgemmKernelRows runs the narrow kernel for an mr×NR tile, 1 ≤ mr ≤ 4.
func sgemmKernelRows(mr, kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	switch mr {
	case 1:
		sgemmKernel1(kc, a, b, c, ldc, alpha, beta)
	case 2:
		sgemmKernel2(kc, a, b, c, ldc, alpha, beta)
	case 3:
		sgemmKernel3(kc, a, b, c, ldc, alpha, beta)
	default:
		sgemmKernel4(kc, a, b, c, ldc, alpha, beta)
	}
}

// sgemmPackA packs op(A)[i0:i0+mc, p0:p0+kc] into dst as a sequence of
// MR-row micro-panels; panel q occupies dst[q·MR·kc : (q+1)·MR·kc] with the
// MR elements of each column stored contiguously. Rows past mc are zero
// when the last panel has five rows (see sgemmPadA) and undefined otherwise.
func sgemmPackA(dst, a []float32, lda int, trans bool, i0, mc, p0, kc int) {
	const mr = sgemmMR
	full := mc / mr * mr // rows in complete panels
	if trans {
		// op(A)[i, p] = a[p*lda+i]: walk the rows of a (contiguous in i)
		// and scatter MR-element pieces into the panels.
		sgemmPackAT(dst, a[p0*lda+i0:], lda, kc, full/mr)
		if full < mc {
			d := dst[full*kc : (full+mr)*kc]
			sgemmPadA(d, mc-full, kc)
			for p := range kc {
				copy(d[p*mr:], a[(p0+p)*lda+i0+full:][:mc-full])
			}
		}
		return
	}
	// op(A)[i, p] = a[i*lda+p]: gather MR rows per panel.
	for ir := 0; ir < full; ir += mr {
		sgemmPackA6(dst[ir*kc:(ir+mr)*kc], a[(i0+ir)*lda+p0:], lda, kc)
	}
	if full < mc {
		d := dst[full*kc : (full+mr)*kc]
		sgemmPadA(d, mc-full, kc)
		for r := range mc - full {
			row := a[(i0+full+r)*lda+p0:][:kc]
			for p, v := range row {
				d[p*mr+r] = v
			}
		}
	}
}

// sgemmPadA zeroes the padding rows (rows ≥ rows) of a partial A panel d
// of depth kc. Only the 6-row kernel, used for panels of more than four
// rows, reads them; the narrow kernels read just their rows, so smaller
// panels need no padding (which for m = 1 would be 5/6 of the panel).
func sgemmPadA(d []float32, rows, kc int) {
	const mr = sgemmMR
	if rows <= 4 {
		return
	}
	for p := range kc {
		clear(d[p*mr+rows : p*mr+mr])
	}
}

// sgemmPackATGo packs np full MR-row panels of a transposed A:
// d[q·MR·kc + p·MR + r] = a[p·lda + q·MR + r].
func sgemmPackATGo(d, a []float32, lda, kc, np int) {
	const mr = sgemmMR
	for p := range kc {
		src := a[p*lda:][:np*mr]
		for q := range np {
			*(*[mr]float32)(d[q*mr*kc+p*mr:]) = *(*[mr]float32)(src[q*mr:])
		}
	}
}

// sgemmPackA6Go packs six rows of a (row stride lda, kc columns) into d,
// column by column.
func sgemmPackA6Go(d, a []float32, lda, kc int) {
	const mr = sgemmMR
	r0 := a[:kc]
	r1 := a[lda:][:kc]
	r2 := a[2*lda:][:kc]
	r3 := a[3*lda:][:kc]
	r4 := a[4*lda:][:kc]
	r5 := a[5*lda:][:kc]
	d = d[:kc*mr]
	for p := range r0 {
		dp := (*[mr]float32)(d[p*mr:])
		dp[0] = r0[p]
		dp[1] = r1[p]
		dp[2] = r2[p]
		dp[3] = r3[p]
		dp[4] = r4[p]
		dp[5] = r5[p]
	}
}

// sgemmPackB packs op(B)[p0:p0+kc, j0:j0+nc] into dst as a sequence of
// NR-column micro-panels; panel q occupies dst[q·NR·kc : (q+1)·NR·kc] with
// the NR elements of each row stored contiguously. Columns past nc are zero.
func sgemmPackB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc int) {
	const nr = sgemmNR
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
				*(*[nr]float32)(dst[jr*kc+p*nr:]) = *(*[nr]float32)(src[jr:])
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

// sgemmScale sets C = beta·C (C = 0 when beta == 0) for the alpha == 0 and
// k == 0 cases.
func sgemmScale(m, n int, beta float32, c []float32, ldc int) {
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
