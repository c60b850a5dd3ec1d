package kern

// Dense Jacobians, tangent-major: row (b, k) of a stack holds ∂h/∂x_k for
// sample b, so the W rows of sample b start at row b·W.

// IdentityRows writes the Jacobian of the input, J = I: rows[b,k,j] = δ_kj,
// for nb samples of dimension D.
func IdentityRows[T Float](rows []T, nb, D int) {
	clear(rows[:nb*D*D])
	for b := 0; b < nb; b++ {
		for k := 0; k < D; k++ {
			rows[(b*D+k)*D+k] = 1
		}
	}
}

// SharedToRows writes J = M for every sample: rows[b,k,j] = M[j,k], with M
// an n×D matrix.
func SharedToRows[T Float](rows, M []T, nb, n, D int) {
	for b := 0; b < nb; b++ {
		Transpose(rows[b*D*n:(b+1)*D*n], M, n, D)
	}
}

// ScaledToRows writes J_b = diag(d_b)·M: rows[b,k,j] = d[b,j]·M[j,k].
func ScaledToRows[T Float](rows, d, M []T, nb, n, D int) {
	for b := 0; b < nb; b++ {
		db := d[b*n : b*n+n]
		blk := rows[b*D*n : (b+1)*D*n]
		for j := 0; j < n; j++ {
			s := db[j]
			for k, x := range M[j*D : j*D+D] {
				blk[k*n+j] = s * x
			}
		}
	}
}

// RowsNorm2 writes q[b,j] = Σ_k rows[b,k,j]², the squared row norms of each
// sample's Jacobian (summed over k in order; the first term is stored, as
// 0 + x² = x²).
func RowsNorm2[T Float](q, rows []T, nb, W, n int) {
	for b := 0; b < nb; b++ {
		qb := q[b*n : b*n+n]
		if W == 0 {
			clear(qb)
		}
		for k := 0; k < W; k++ {
			x := rows[(b*W+k)*n : (b*W+k)*n+n]
			if k == 0 {
				mulTo(qb, x, x)
			} else {
				mulAddTo(qb, x, x)
			}
		}
	}
}

// RowsScale writes dst[b,k,j] = d[b,j]·src[b,k,j]. dst and src may be the
// same slice.
func RowsScale[T Float](dst, src, d []T, nb, W, n int) {
	for b := 0; b < nb; b++ {
		db := d[b*n : b*n+n]
		for k := 0; k < W; k++ {
			o := (b*W + k) * n
			mulTo(dst[o:o+n], db, src[o:o+n])
		}
	}
}

// RowsScaleAdd adds d[b,j]·src[b,k,j] to dst[b,k,j].
func RowsScaleAdd[T Float](dst, src, d []T, nb, W, n int) {
	for b := 0; b < nb; b++ {
		db := d[b*n : b*n+n]
		for k := 0; k < W; k++ {
			o := (b*W + k) * n
			mulAddTo(dst[o:o+n], db, src[o:o+n])
		}
	}
}

// mulTo writes t[j] = d[j]·s[j] for j < len(t) (t may be s), with the
// AVX kernel of ActFwd's tangent rows where there is one.
func mulTo[T Float](t, d, s []T) {
	n := len(t)
	d, s = d[:n], s[:n]
	j := 0
	if useActAsm {
		j = actFwdAsm(nil, t, d, nil, nil, s, nil, n, fwdYT)
	}
	for ; j < n; j++ {
		t[j] = d[j] * s[j]
	}
}

// mulAddTo adds d[j]·s[j] to t[j] for j < len(t), with the AVX kernel of
// ActRevTangent where there is one.
func mulAddTo[T Float](t, d, s []T) {
	n := len(t)
	d, s = d[:n], s[:n]
	j := 0
	if useActAsm {
		j = actRevTangentAsm(t, nil, nil, d, nil, s, nil, n, 0)
	}
	for ; j < n; j++ {
		t[j] += d[j] * s[j]
	}
}

// RowsDot writes out[b,j] = Σ_k A[b,k,j]·B[b,k,j].
func RowsDot[T Float](out, A, B []T, nb, W, n int) {
	for b := 0; b < nb; b++ {
		ob := out[b*n : b*n+n]
		clear(ob)
		for k := 0; k < W; k++ {
			o := (b*W + k) * n
			bb := B[o : o+n]
			for j, x := range A[o : o+n] {
				ob[j] += x * bb[j]
			}
		}
	}
}

// RowsDotShared writes out[b,j] = Σ_k A[b,k,j]·M[j,k] for the n×D matrix M.
func RowsDotShared[T Float](out, A, M []T, nb, n, D int) {
	for b := 0; b < nb; b++ {
		ob := out[b*n : b*n+n]
		clear(ob)
		for k := 0; k < D; k++ {
			a := A[(b*D+k)*n : (b*D+k)*n+n]
			for j, x := range a {
				ob[j] += x * M[j*D+k]
			}
		}
	}
}

// AddScaledShared adds e[b,j]·M[j,k] to rows[b,k,j].
func AddScaledShared[T Float](rows, e, M []T, nb, n, D int) {
	for b := 0; b < nb; b++ {
		eb := e[b*n : b*n+n]
		blk := rows[b*D*n : (b+1)*D*n]
		for j := 0; j < n; j++ {
			s := eb[j]
			if s == 0 {
				continue
			}
			for k, x := range M[j*D : j*D+D] {
				blk[k*n+j] += s * x
			}
		}
	}
}

// AddRowsT adds Σ_b rows[b,k,j] to G[j,k]: the gradient of a first dense
// layer's weight W (n×D) from the Jacobian cotangent, since ∂J/∂W has
// J = W·I.
func AddRowsT[T Float](G, rows []T, nb, n, D int) {
	for b := 0; b < nb; b++ {
		blk := rows[b*D*n : (b+1)*D*n]
		for k := 0; k < D; k++ {
			for j, x := range blk[k*n : k*n+n] {
				G[j*D+k] += x
			}
		}
	}
}

// AddDiagShared adds Σ_b e[b,j]·M[j,k] to G[j,k].
func AddDiagShared[T Float](G, e, M []T, nb, n, D int) {
	for j := 0; j < n; j++ {
		var s T
		for b := 0; b < nb; b++ {
			s += e[b*n+j]
		}
		if s == 0 {
			continue
		}
		g, m := G[j*D:j*D+D], M[j*D:j*D+D]
		for k, x := range m {
			g[k] += s * x
		}
	}
}

// ScaledPanel writes P[b] = diag(d_b)·Wᵀ for the nout×nin weight W: P is
// nb×nin×nout with P[b,i,o] = d[b,i]·W[o,i]. It is the right factor of the
// per-sample product J_out,b = Mᵀ·P[b] (tangent-major) when the input's
// Jacobian is diag(d_b)·M.
func ScaledPanel[T Float](P, d, W []T, nb, nin, nout int) {
	for b := 0; b < nb; b++ {
		db := d[b*nin : b*nin+nin]
		blk := P[b*nin*nout : (b+1)*nin*nout]
		for o := 0; o < nout; o++ {
			for i, w := range W[o*nin : o*nin+nin] {
				blk[i*nout+o] = db[i] * w
			}
		}
	}
}

// ScaleRows writes diag(d)·M to P for the n×D matrix M: P[j,k] = d[j]·M[j,k].
func ScaleRows[T Float](P, d, M []T, n, D int) {
	_ = P[n*D-1]
	_ = M[n*D-1]
	for j, dj := range d[:n] {
		src, dst := M[j*D:j*D+D], P[j*D:j*D+D]
		for k, v := range src {
			dst[k] = dj * v
		}
	}
}

// AccumCols adds the column sums Σ_b e[b,j] of the nb×n matrix e to acc
// (float64, whatever the kernels' precision).
func AccumCols[T Float](acc []float64, e []T, nb, n int) {
	for b := 0; b < nb; b++ {
		for j, v := range e[b*n : b*n+n] {
			acc[j] += float64(v)
		}
	}
}

// AddDiagRows adds acc[j]·M[j,k] to G[j,k] for the n×D matrix M, and
// clears acc.
func AddDiagRows(G []float64, acc []float64, M []float64, n, D int) {
	for j := 0; j < n; j++ {
		s := acc[j]
		acc[j] = 0
		if s == 0 {
			continue
		}
		g, m := G[j*D:j*D+D], M[j*D:j*D+D]
		for k, x := range m {
			g[k] += s * x
		}
	}
}
