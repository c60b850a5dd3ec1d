package kern

// The elementwise loops of y = σ(a) in the Laplacian and reverse modes,
// over nb samples of size elements each. Every buffer holds the chunk's
// rows of one kind (value, tangent t, Laplacian ℓ) as nb·size contiguous
// reals; σ′, σ″, σ‴ (d1, d2, d3) are those of the value rows. q, the
// squared Jacobian row norms of a, holds either nb·size reals (one per
// element) or size (the same for every sample, a shared weight's), or is
// nil for the constant 1. A nil output is not computed; a nil input drops
// its term from the sum, which is then evaluated term by term from the
// left exactly as written, every product and sum rounded once (no fused
// multiply-add), so the vector kernels on amd64 (AVX, flush-to-zero as in
// runtime/gemm) give the bits of the portable loops for normal numbers.

// ActFwd computes, for the forward Laplacian and tangent rows of y = σ(a),
//
//	yL = σ′·aL + σ″·q     (σ′·aL left out when aL is nil, σ″·q when d2 is nil; 0 when both are)
//	yT = σ′·aT
func ActFwd[T Float](yL, yT, d1, d2, aL, aT, q []T, nb, size int) {
	n := nb * size
	var f int
	if yL != nil {
		f |= fwdYL
		yL = yL[:n]
		if aL != nil {
			f |= fwdAL
			aL, d1 = aL[:n], d1[:n]
		}
		if d2 != nil {
			f |= fwdD2
			d2 = d2[:n]
			if q != nil {
				f |= fwdQ
			}
		}
	}
	if yT != nil {
		f |= fwdYT
		yT, aT, d1 = yT[:n], aT[:n], d1[:n]
	}
	step := span(q, nb, size)
	for lo := 0; lo < n; lo += step {
		hi, qs := lo+step, head(q, step)
		done := lo
		if useActAsm {
			done += actFwdAsm(sub(yL, lo), sub(yT, lo), sub(d1, lo), sub(d2, lo), sub(aL, lo), sub(aT, lo), qs, hi-lo, f)
		}
		for k := done; k < hi; k++ {
			if f&fwdYL != 0 {
				var v T
				switch {
				case f&fwdAL != 0 && f&fwdD2 != 0:
					v = T(d1[k]*aL[k]) + T(d2[k]*qAt(qs, k-lo))
				case f&fwdAL != 0:
					v = d1[k] * aL[k]
				case f&fwdD2 != 0:
					v = d2[k] * qAt(qs, k-lo)
				}
				yL[k] = v
			}
			if f&fwdYT != 0 {
				yT[k] = d1[k] * aT[k]
			}
		}
	}
}

// ActRevValue adds the value cotangent of a for y = σ(a):
//
//	ā += σ′·ȳ + σ″·aT·t̄ + (σ″·aL + σ‴·q)·ℓ̄ + σ″·rd
//
// with σ″·aL left out when aL is nil, σ‴·q when d3 is nil (and the ℓ̄ term
// when both are), σ″·rd when rd is nil.
func ActRevValue[T Float](ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd []T, nb, size int) {
	n := nb * size
	ab, d1, d2, yb, aT, ybT = ab[:n], d1[:n], d2[:n], yb[:n], aT[:n], ybT[:n]
	var f int
	if d3 != nil {
		f |= revD3
		d3 = d3[:n]
		if q != nil {
			f |= revQ
		}
	}
	if aL != nil {
		f |= revAL
		aL = aL[:n]
	}
	if f&(revD3|revAL) != 0 {
		ybL = ybL[:n]
	}
	if rd != nil {
		f |= revRD
		rd = rd[:n]
	}
	step := span(q, nb, size)
	for lo := 0; lo < n; lo += step {
		hi, qs := lo+step, head(q, step)
		done := lo
		if useActAsm {
			done += actRevValueAsm(ab[lo:], d1[lo:], d2[lo:], sub(d3, lo), yb[lo:], aT[lo:], ybT[lo:], sub(aL, lo), qs, sub(ybL, lo), sub(rd, lo), hi-lo, f)
		}
		for k := done; k < hi; k++ {
			d2k := d2[k]
			s := T(d1[k]*yb[k]) + T(T(d2k*aT[k])*ybT[k])
			if f&(revD3|revAL) != 0 {
				var l T
				switch {
				case f&revD3 != 0 && f&revAL != 0:
					l = T(d2k*aL[k]) + T(d3[k]*qAt(qs, k-lo))
				case f&revD3 != 0:
					l = d3[k] * qAt(qs, k-lo)
				default:
					l = d2k * aL[k]
				}
				s += T(l * ybL[k])
			}
			if f&revRD != 0 {
				s += T(d2k * rd[k])
			}
			ab[k] += s
		}
	}
}

// ActRevTangent adds the tangent and Laplacian cotangents of a for
// y = σ(a) and writes e, the coefficient of a's Jacobian cotangent:
//
//	t̄_a += σ′·t̄_y
//	ℓ̄_a += σ′·ℓ̄_y    (when abL is not nil)
//	e = 2·σ″·ℓ̄_y     (when e is not nil)
func ActRevTangent[T Float](abT, abL, e, d1, d2, ybT, ybL []T, nb, size int) {
	n := nb * size
	abT, d1, ybT = abT[:n], d1[:n], ybT[:n]
	var f int
	if abL != nil {
		f |= revABL
		abL, ybL = abL[:n], ybL[:n]
	}
	if e != nil {
		f |= revE
		e, d2, ybL = e[:n], d2[:n], ybL[:n]
	}
	done := 0
	if useActAsm {
		done = actRevTangentAsm(abT, abL, e, d1, d2, ybT, ybL, n, f)
	}
	for k := done; k < n; k++ {
		abT[k] += d1[k] * ybT[k]
		if f&revABL != 0 {
			abL[k] += d1[k] * ybL[k]
		}
		if f&revE != 0 {
			e[k] = T(2*d2[k]) * ybL[k]
		}
	}
}

// The flags of the kernels (the assembly reads the same bits).
const (
	fwdYL = 1 << iota
	fwdAL
	fwdD2
	fwdQ
	fwdYT
)

const (
	revD3 = 1 << iota
	revQ
	revAL
	revRD
)

const (
	revABL = 1 << iota
	revE
)

// span is the number of elements the kernels take at once: all nb·size
// when q holds one number per element (or is nil), one sample's when q is
// shared by the samples.
func span[T Float](q []T, nb, size int) int {
	if q != nil && len(q) == size {
		return size
	}
	return max(nb*size, 1)
}

// head is q[:step] (the q of the elements [lo, lo+step): step is size
// when q is shared, and lo is 0 otherwise), or nil when q is nil.
func head[T Float](q []T, step int) []T {
	if q == nil {
		return nil
	}
	return q[:step]
}

// qAt is q[k], or 1 when q is nil.
func qAt[T Float](q []T, k int) T {
	if q == nil {
		return 1
	}
	return q[k]
}

// sub is s[lo:], or nil when s is nil.
func sub[T Float](s []T, lo int) []T {
	if s == nil {
		return nil
	}
	return s[lo:]
}

// PoolSum adds to o (nrows × C) the sums over the S sites of x (nrows
// fields of S sites × C channels): o[r, c] += Σ_p x[r, p, c], summed over p
// in order, so that each element's sum is the same sequence of rounded
// additions on every path.
func PoolSum[T Float](o, x []T, nrows, S, C int) {
	o, x = o[:nrows*C], x[:nrows*S*C]
	for r := 0; r < nrows; r++ {
		or, xr := o[r*C:r*C+C], x[r*S*C:(r+1)*S*C]
		c0 := 0
		if useActAsm {
			c0 = poolSumAsm(or, xr, S, C)
		}
		if c0 == C {
			continue
		}
		for p := 0; p < S*C; p += C {
			xp := xr[p : p+C]
			for c := c0; c < C; c++ {
				or[c] += xp[c]
			}
		}
	}
}

// PoolAdd adds f·ō to every site of x̄: x[r, p, c] += f·o[r, c] for the
// nrows fields of S sites × C channels (the adjoint of PoolSum, scaled).
func PoolAdd[T Float](x, o []T, f T, nrows, S, C int) {
	o, x = o[:nrows*C], x[:nrows*S*C]
	for r := 0; r < nrows; r++ {
		or, xr := o[r*C:r*C+C], x[r*S*C:(r+1)*S*C]
		c0 := 0
		if useActAsm {
			c0 = poolAddAsm(xr, or, f, S, C)
		}
		if c0 == C {
			continue
		}
		for p := 0; p < S*C; p += C {
			xp := xr[p : p+C]
			for c := c0; c < C; c++ {
				xp[c] += f * or[c]
			}
		}
	}
}
