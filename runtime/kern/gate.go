package kern

// Gates applied as a per-output scale s of a dense layer's products (time
// gates of time-dependent potentials, ir.TimeLayer.Scaled): the layer's
// weight stays W, its outputs are s⊙(W·x), and the reverse mode scales the
// output cotangents by s before the products with W and Wᵀ.

// MulCols multiplies column j of the rows×n matrix c by s[j].
func MulCols(c, s []float64, rows, n int) {
	s = s[:n]
	for r := 0; r < rows; r++ {
		row := c[r*n : r*n+n]
		for j, v := range s {
			row[j] *= v
		}
	}
}

// GateGrad adds Σ_r cb[r,j]·(a[r,j] − bias[j]) to gs[j] for the rows×n
// matrices cb (cotangents of a layer's outputs) and a (the outputs
// s⊙(W·x) + bias): s_j·∂/∂s_j of the products. bias may be nil (rows
// without a bias).
func GateGrad(gs, cb, a, bias []float64, rows, n int) {
	gs = gs[:n]
	for r := 0; r < rows; r++ {
		br, ar := cb[r*n:r*n+n], a[r*n:r*n+n]
		if bias == nil {
			for j, v := range br {
				gs[j] += v * ar[j]
			}
			continue
		}
		for j, v := range br {
			gs[j] += v * (ar[j] - bias[j])
		}
	}
}

// GateCoef turns the nb×n coefficients e of W̄′ += diag(Σ_b e_b)·W′, W′ =
// diag(s)·W, into those of W̄ += diag(Σ_b e_b)·W (e[b,j] *= s2[j], s2 =
// s²) and adds the term's s_j·∂/∂s_j, Σ_b e[b,j]·q[j] (after the scaling;
// q: the squared row norms of W), to gs[j].
func GateCoef(gs, e, s2, q []float64, nb, n int) {
	gs, s2, q = gs[:n], s2[:n], q[:n]
	for b := 0; b < nb; b++ {
		eb := e[b*n : b*n+n]
		for j, v := range s2 {
			eb[j] *= v
			gs[j] += eb[j] * q[j]
		}
	}
}
