package kern

// Shifted-kernel GEMMs for the receptive-field Jacobian of a convolution of
// an activation of a convolution of the input:
//
//	a₁ = W₁ ⋆ x,  h = σ(a₁),  a₂ = W₂ ⋆ h
//
// The Jacobian of h at site q is diag(d)·W₁ on the first kernel's window
// (d = σ′(a₁)), so the Jacobian of a₂ at site p, channel co, towards the
// input site at window displacement s is
//
//	J₂[p, co, s] = Σ_{ci, t} W₂[co, ci, t]·d[p + t, ci] · W₁[ci, s − t]
//	            = Σ_k A[(p, co), k]·B[k, s],  k = (ci, t)
//
// with the coefficient block A[(p, co), (ci, t)] = W₂[co, ci, t]·d[p + t, ci]
// (an im2col of d weighted by W₂) and the constant matrix of shifted kernels
// B[(ci, t), s] = W₁[ci, s − t] (zero outside the first kernel's window). B
// changes only when θ does: it is built and packed once per parameter
// update, and J₂ of all sites and channels of a sample is one GEMM with
// M = sites·C_out, K = C_in·K², N = the window size. J₂ is laid out
// [(sample, site, channel)][s], one row per output element.
//
// The reverse mode sends the cotangent J̄₂ back through the same matrix:
// Ā = J̄₂·Bᵀ (a GEMM with the transposed packed B), B̄ = Aᵀ·J̄₂ (folded into
// W₁'s gradient by ShiftFold), and Ā into d's cotangent and W₂'s gradient
// by ShiftCoefTAdd.

// ShiftMatrix writes the (Cin·K)×Ro matrix of shifted first-layer kernels
// of g: dst[(ci·K + t)·Ro + s] = w1[ci·Ri + tap(s, t)], zero where the tap
// falls outside the first kernel's window g.In (Ri = g.In.Size(), K the
// second kernel's size, Ro = g.Out.Size()). w1 is the Cin×1×K1×K2 kernel of
// the first convolution.
func ShiftMatrix[T Float](dst, w1 []T, g *RFGeom) {
	K, C := g.K(), g.Cin
	Ri, Ro := g.In.Size(), g.Out.Size()
	for ci := 0; ci < C; ci++ {
		for t := 0; t < K; t++ {
			row := dst[(ci*K+t)*Ro : (ci*K+t+1)*Ro]
			for s := range row {
				if si := g.tap[s*K+t]; si >= 0 {
					row[s] = w1[ci*Ri+si]
				} else {
					row[s] = 0
				}
			}
		}
	}
}

// ShiftFold is the adjoint of ShiftMatrix: it adds the gradient GB of the
// shifted-kernel matrix into the first layer's kernel gradient gw1.
func ShiftFold[T Float](gw1, GB []T, g *RFGeom) {
	K, C := g.K(), g.Cin
	Ri, Ro := g.In.Size(), g.Out.Size()
	for ci := 0; ci < C; ci++ {
		gw := gw1[ci*Ri : ci*Ri+Ri]
		for t := 0; t < K; t++ {
			row := GB[(ci*K+t)*Ro : (ci*K+t+1)*Ro]
			for s, v := range row {
				if si := g.tap[s*K+t]; si >= 0 {
					gw[si] += v
				}
			}
		}
	}
}

// ShiftCoef writes the coefficient block of one sample:
// A[(p·Cout + co)·CK + ci·K + t] = w2[co·CK + ci·K + t]·d[nbr(p, t)·Cin + ci]
// with CK = Cin·K and w2 the Cout×Cin×K1×K2 kernel of the second
// convolution (geometry g). d holds one sample's σ′ (sites×Cin).
func ShiftCoef[T Float](A, d, w2 []T, g *ConvGeom) {
	S, K, C, Co := g.Sites(), g.K(), g.Cin, g.Cout
	ck := C * K
	for p := 0; p < S; p++ {
		blk := A[p*Co*ck : (p+1)*Co*ck]
		x := blk[:ck] // the gathered d, scaled in place last
		nb := g.nbr[p*K : p*K+K]
		for ci := 0; ci < C; ci++ {
			xr := x[ci*K : ci*K+K]
			for t, q := range nb {
				xr[t] = d[q*C+ci]
			}
		}
		for co := Co - 1; co >= 0; co-- {
			row := blk[co*ck : co*ck+ck]
			w := w2[co*ck : co*ck+ck]
			for k, v := range x {
				row[k] = w[k] * v
			}
		}
	}
}

// ShiftCoefTAdd is the adjoint of ShiftCoef for one sample: given the
// block's cotangent Ab it adds Σ_co w2[co, k]·Ab[(p, co), k] to dd at
// (nbr(p, t), ci) and Σ_p d[nbr(p, t), ci]·Ab[(p, co), k] to gw2[co, k].
// tmp is scratch of at least 2·Cin·K elements.
func ShiftCoefTAdd[T Float](dd, gw2, Ab, d, w2, tmp []T, g *ConvGeom) {
	S, K, C, Co := g.Sites(), g.K(), g.Cin, g.Cout
	ck := C * K
	x, y := tmp[:ck], tmp[ck:2*ck]
	for p := 0; p < S; p++ {
		blk := Ab[p*Co*ck : (p+1)*Co*ck]
		nb := g.nbr[p*K : p*K+K]
		for ci := 0; ci < C; ci++ {
			xr := x[ci*K : ci*K+K]
			for t, q := range nb {
				xr[t] = d[q*C+ci]
			}
		}
		clear(y)
		for co := 0; co < Co; co++ {
			row := blk[co*ck : co*ck+ck]
			w := w2[co*ck : co*ck+ck]
			gw := gw2[co*ck : co*ck+ck]
			for k, v := range row {
				y[k] += w[k] * v
				gw[k] += x[k] * v
			}
		}
		for ci := 0; ci < C; ci++ {
			yr := y[ci*K : ci*K+K]
			for t, q := range nb {
				dd[q*C+ci] += yr[t]
			}
		}
	}
}

// RowsSumSq writes q[r] = Σ_s J[r·n + s]² for the rows of J.
func RowsSumSq[T Float](q, J []T, rows, n int) {
	for r := 0; r < rows; r++ {
		var s T
		for _, v := range J[r*n : r*n+n] {
			s += v * v
		}
		q[r] = s
	}
}

// RowsAddScaled adds e[r]·src[r·n + s] to dst[r·n + s].
func RowsAddScaled[T Float](dst, src, e []T, rows, n int) {
	for r := 0; r < rows; r++ {
		f := e[r]
		d, x := dst[r*n:r*n+n], src[r*n:r*n+n]
		for s, v := range x {
			d[s] += f * v
		}
	}
}
