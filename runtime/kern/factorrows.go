package kern

// The row sums of the factored Jacobian's sparse map (convfactor.go) and of
// the direct convolutions (convdirect.go): for
// k < n, a_k = Σ_{j ∈ [start[k], start[k+1])} src[off[j] : off[j] + C]. On
// amd64 with AVX2 and FMA they run the assembly of factor_amd64.s (for C a
// multiple of 4 float64 or 8 float32 channels), elsewhere the Go below,
// which sums four channels at a time in registers. The callers slice every
// argument to the lengths the geometry needs, so a short buffer panics
// before the assembly runs.

// rowsAsm reports whether the assembly kernels take C channels of T (and
// there is something to sum).
func rowsAsm[T Float](C int, off []int32) bool {
	if !useFactorAsm || len(off) == 0 || C == 0 {
		return false
	}
	if is64[T]() {
		return C%4 == 0
	}
	return C%8 == 0
}

// storeRows writes dst[k·C : k·C + C] = a_k for k < n.
func storeRows[T Float](dst, src []T, off []int32, start []int, n, C int) {
	dst = dst[:n*C]
	if rowsAsm[T](C, off) {
		if d, ok := any(dst).([]float64); ok {
			sumRowsStore64(&d[0], &any(src).([]float64)[0], &off[0], &start[0], n, C)
			return
		}
		if d, ok := any(dst).([]float32); ok {
			sumRowsStore32(&d[0], &any(src).([]float32)[0], &off[0], &start[0], n, C)
			return
		}
	}
	for k := 0; k < n; k++ {
		sumRows(dst[k*C:k*C+C], src, off[start[k]:start[k+1]])
	}
}

// normRows writes dst[0 : C] = Σ_{k < n} a_k ⊙ a_k, using row (C reals)
// as scratch on the portable path.
func normRows[T Float](dst, row, src []T, off []int32, start []int, n, C int) {
	dst = dst[:C]
	if rowsAsm[T](C, off) {
		if d, ok := any(dst).([]float64); ok {
			sumRowsNorm64(&d[0], &any(src).([]float64)[0], &off[0], &start[0], n, C)
			return
		}
		if d, ok := any(dst).([]float32); ok {
			sumRowsNorm32(&d[0], &any(src).([]float32)[0], &off[0], &start[0], n, C)
			return
		}
	}
	row = row[:C]
	clear(dst)
	for k := 0; k < n; k++ {
		sumRows(row, src, off[start[k]:start[k+1]])
		for c, v := range row {
			dst[c] += v * v
		}
	}
}

// axpyRows adds e ⊙ a_k to dst[doff[k] : doff[k] + C] for k < n.
func axpyRows[T Float](dst []T, doff []int32, e, src []T, off []int32, start []int, n, C int) {
	doff, e = doff[:n], e[:C]
	if rowsAsm[T](C, off) {
		if d, ok := any(dst).([]float64); ok {
			sumRowsAxpy64(&d[0], &doff[0], &any(e).([]float64)[0], &any(src).([]float64)[0], &off[0], &start[0], n, C)
			return
		}
		if d, ok := any(dst).([]float32); ok {
			sumRowsAxpy32(&d[0], &doff[0], &any(e).([]float32)[0], &any(src).([]float32)[0], &off[0], &start[0], n, C)
			return
		}
	}
	for k := 0; k < n; k++ {
		addSumRows(dst[doff[k]:int(doff[k])+C], src, e, off[start[k]:start[k+1]])
	}
}

// sumRows writes to d the sum of the rows of R (of len(d) reals) that
// start at offs, four channels at a time in registers.
func sumRows[T Float](d, R []T, offs []int32) {
	C := len(d)
	c := 0
	for ; c+4 <= C; c += 4 {
		var a0, a1, a2, a3 T
		for _, o := range offs {
			x := R[int(o)+c : int(o)+c+4 : int(o)+c+4]
			a0 += x[0]
			a1 += x[1]
			a2 += x[2]
			a3 += x[3]
		}
		dd := d[c : c+4 : c+4]
		dd[0], dd[1], dd[2], dd[3] = a0, a1, a2, a3
	}
	for ; c < C; c++ {
		var a T
		for _, o := range offs {
			a += R[int(o)+c]
		}
		d[c] = a
	}
}

// addSumRows adds e[c]·Σ_j R[offs[j] + c] to d[c] (C = len(d)), four
// channels at a time in registers.
func addSumRows[T Float](d, R, e []T, offs []int32) {
	C := len(d)
	e = e[:C]
	c := 0
	for ; c+4 <= C; c += 4 {
		var a0, a1, a2, a3 T
		for _, o := range offs {
			x := R[int(o)+c : int(o)+c+4 : int(o)+c+4]
			a0 += x[0]
			a1 += x[1]
			a2 += x[2]
			a3 += x[3]
		}
		dd, ee := d[c:c+4:c+4], e[c:c+4:c+4]
		dd[0] += ee[0] * a0
		dd[1] += ee[1] * a1
		dd[2] += ee[2] * a2
		dd[3] += ee[3] * a3
	}
	for ; c < C; c++ {
		var a T
		for _, o := range offs {
			a += R[int(o)+c]
		}
		d[c] += e[c] * a
	}
}
