package kern

// Gram-matrix forward Laplacian (Laplacian only, not differentiated): for a
// hidden vector with Jacobian J (n×D per sample) only the squared row norms
// of the next linear layer's Jacobian are needed, and
// rownorm²(W·J) = diag(W·(J·Jᵀ)·Wᵀ). Propagating the n×n Gram matrix
// G = J·Jᵀ instead of J costs O(n_in²·n_out + n_out²·n_in) per sample
// instead of O(n_out·n_in·D): cheaper when the widths are below D.

// GramFromScaled writes, for a = W·h with J_h,b = diag(d_b)·M, the Gram
// matrices G_a,b = P_bᵀ·(M·Mᵀ)·P_b with P_b = diag(d_b)·Wᵀ. P (nb×nin×nout)
// must hold ScaledPanel(d, W); base is the nin×nin Gram M·Mᵀ; tmp holds
// nin×nout numbers; out is nb×nout×nout.
func GramFromScaled[T Float](out, P, base, tmp []T, nb, nin, nout int) {
	for b := 0; b < nb; b++ {
		Pb := P[b*nin*nout : (b+1)*nin*nout]
		Gemm(false, false, nin, nout, nin, 1, base, nin, Pb, nout, 0, tmp, nout)
		Gemm(true, false, nout, nout, nin, 1, Pb, nout, tmp, nout, 0, out[b*nout*nout:], nout)
	}
}

// GramDense writes G_out,b = W·G_in,b·Wᵀ for the nout×nin weight W; tmp
// holds nin×nout numbers.
func GramDense[T Float](out, W, in, tmp []T, nb, nin, nout int) {
	for b := 0; b < nb; b++ {
		Gemm(false, true, nin, nout, nin, 1, in[b*nin*nin:], nin, W, nin, 0, tmp, nout)
		Gemm(false, false, nout, nout, nin, 1, W, nin, tmp, nout, 0, out[b*nout*nout:], nout)
	}
}

// GramScale writes G_y,b = diag(d_b)·G_a,b·diag(d_b) (out may be in).
func GramScale[T Float](out, in, d []T, nb, n int) {
	for b := 0; b < nb; b++ {
		db := d[b*n : b*n+n]
		for i := 0; i < n; i++ {
			o := (b*n + i) * n
			row, src := out[o:o+n], in[o:o+n]
			for j, x := range src {
				row[j] = db[i] * x * db[j]
			}
		}
	}
}

// GramDiag writes q[b,j] = G_b[j,j].
func GramDiag[T Float](q, G []T, nb, n int) {
	for b := 0; b < nb; b++ {
		for j := 0; j < n; j++ {
			q[b*n+j] = G[(b*n+j)*n+j]
		}
	}
}
