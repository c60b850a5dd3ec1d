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
//	J₂[p, co, s] = Σ_{ci, t} d[p + t, ci] · W₂[co, ci, t]·W₁[ci, s − t]
//	            = Σ_k X[p, k]·B[k, (co, s)],  k = (ci, t)
//
// with X[p, (ci, t)] = d[p + t, ci] the im2col of σ′ (the same patch matrix
// as the convolution's own forward product, Im2Col) and the constant matrix
// of shifted kernels weighted by the second layer's
//
//	B[(ci, t), (co, s)] = W₂[co, ci, t]·W₁[ci, s − t]
//
// (zero where s − t falls outside the first kernel's window). B changes only
// when θ does: it is built and packed once per parameter update, and J₂ of
// every site, channel and sample of a chunk is one GEMM with M = samples·
// sites, K = C_in·K², N = C_out·window. J₂ is laid out
// [(sample, site, channel)][s], one row per output element, which is the
// GEMM's row-major [(sample, site)][(channel, s)].
//
// The reverse mode sends the cotangent J̄₂ back through the same matrix:
// X̄ = J̄₂·Bᵀ (a GEMM with the transposed packed B) into d's cotangent by
// Col2ImAdd, and B̄ = Xᵀ·J̄₂ (one GEMM over the chunk, K = samples·sites)
// into both layers' kernel gradients by ShiftFold. The flops equal those of
// the im2col receptive-field path (see codegen/plan's Cost); what changes is
// the shape: three large GEMMs per chunk instead of scalar gathers of
// shifted Jacobian windows.
//
// B is half zeros and repeats the kernels' tied entries: where the plan
// counts fewer flops, the same Jacobian is computed factored by the
// kernels' orbits instead (convfactor.go: one GEMM of σ′ with a Cin ×
// T·O·Cout matrix and a fixed sparse map, 17× fewer flops for
// ising16_cnn); `mafc gen -jacobian=shift` keeps this path.

// ShiftMatrix writes the (Cin·K)×(Cout·Ro) matrix of shifted first-layer
// kernels weighted by the second layer's:
// dst[(ci·K + t)·N + co·Ro + s] = w2[co·Cin·K + ci·K + t]·w1[ci·Ri + tap(s, t)],
// zero where the tap falls outside the first kernel's window g.In (Ri =
// g.In.Size(), K the second kernel's size, Ro = g.Out.Size(), N = Cout·Ro).
// w1 is the Cin×1×K1×K2 kernel of the first convolution, w2 the
// Cout×Cin×K1×K2 kernel of the second (geometry g.ConvGeom). It does not
// allocate.
func ShiftMatrix[T Float](dst, w1, w2 []T, g *RFGeom) {
	K, C, Co := g.K(), g.Cin, g.Cout
	Ri, Ro := g.In.Size(), g.Out.Size()
	ck, n := C*K, Co*Ro
	for ci := 0; ci < C; ci++ {
		for t := 0; t < K; t++ {
			k := ci*K + t
			row := dst[k*n : (k+1)*n]
			for co := 0; co < Co; co++ {
				f := w2[co*ck+k]
				blk := row[co*Ro : (co+1)*Ro]
				for s := range blk {
					if si := g.tap[s*K+t]; si >= 0 {
						blk[s] = f * w1[ci*Ri+si]
					} else {
						blk[s] = 0
					}
				}
			}
		}
	}
}

// ShiftFold is the adjoint of ShiftMatrix: given the gradient GB of the
// matrix it adds Σ_{co, t} GB[(ci, t), (co, s)]·w2[co, ci, t] to the first
// layer's kernel gradient gw1 at (ci, s − t) and Σ_s GB[(ci, t), (co, s)]·
// w1[ci, s − t] to the second layer's gw2 at (co, ci, t). It does not
// allocate.
func ShiftFold[T Float](gw1, gw2, GB, w1, w2 []T, g *RFGeom) {
	K, C, Co := g.K(), g.Cin, g.Cout
	Ri, Ro := g.In.Size(), g.Out.Size()
	ck, n := C*K, Co*Ro
	for ci := 0; ci < C; ci++ {
		gw, w := gw1[ci*Ri:(ci+1)*Ri], w1[ci*Ri:(ci+1)*Ri]
		for t := 0; t < K; t++ {
			k := ci*K + t
			row := GB[k*n : (k+1)*n]
			tap := g.tap
			for co := 0; co < Co; co++ {
				f := w2[co*ck+k]
				blk := row[co*Ro : (co+1)*Ro]
				var s2 T
				for s, v := range blk {
					if si := tap[s*K+t]; si >= 0 {
						gw[si] += f * v
						s2 += v * w[si]
					}
				}
				gw2[co*ck+k] += s2
			}
		}
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
