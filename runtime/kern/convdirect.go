package kern

// Direct convolutions by tap orbits: a periodic convolution whose kernel is
// tied (W[co, ci, t] = ω[co, ci, τ(t)], T orbits of taps) without im2col:
//
//	Z[q, (τ, co)] = Σ_ci x[q, ci]·ω[co, ci, τ]        one GEMM, (M × Cin)·(Cin × T·Cout)
//	y[p, co]      = Σ_t Z[p + t, (τ(t), co)]          K row sums per site (the sparse map's kernels)
//
// 2·Cin·T·Cout flops and K·Cout adds per site against im2col's K·Cin copies
// and 2·K·Cin·Cout flops: for a 3×3 kernel tied under D4 (T = 3), a third
// of the products and no patch matrix. The adjoint gathers the output's
// cotangent by orbit,
//
//	Z̄[q, (τ, co)] = Σ_{t ∈ τ} ȳ[q − t, co]
//
// and then x̄ += Z̄·Ωᵀ and Ω̄ = xᵀ·Z̄ (Ω the Cin × T·Cout matrix of ω), Ω̄
// folded into the full kernel's gradient at one representative tap per
// orbit (the tied parameters' gradient sums each orbit, kern.TieReduce).
// The model keeps Ωᵀ (DirectMatrix) packed for both products.

// DirectGeom describes a convolution computed by tap orbits.
type DirectGeom struct {
	*ConvGeom
	// T is the number of orbits of taps.
	T   int
	rep []int // a representative tap of each orbit
	orb []int // the orbit of each tap
	fwd []int32
	fs  []int // site p sums the rows of one field's Z at fwd[fs[p] : fs[p+1]]
	bwd []int32
	bs  []int // window (q, τ) sums the rows of one field's ȳ at bwd[bs[q·T+τ] : bs[q·T+τ+1]]
}

// NewDirectGeom builds the direct geometry of g from the orbit of each of
// its kernel's taps (orbit, n orbits; nil: every tap its own orbit). It
// allocates; generated code calls it once per model. It panics when the
// table does not fit the kernel.
func NewDirectGeom(g *ConvGeom, orbit []int, n int) *DirectGeom {
	K, S := g.K(), g.Sites()
	orbit, n = orbitsOrIdentity(orbit, n, K)
	dg := &DirectGeom{ConvGeom: g, T: n, rep: representatives(orbit, n), orb: orbit}
	W := dg.Width()
	dg.fwd, dg.fs = make([]int32, S*K), make([]int, S+1)
	for p := 0; p < S; p++ {
		for t := 0; t < K; t++ {
			dg.fwd[p*K+t] = int32(g.nbr[p*K+t]*W + orbit[t]*g.Cout)
		}
		dg.fs[p+1] = (p + 1) * K
	}
	// The windows of the adjoint: (q, τ) sums ȳ at every p with p + t = q,
	// t ∈ τ; on a periodic lattice each (p, t) is one entry of one window.
	count := make([]int, S*n)
	for p := 0; p < S; p++ {
		for t := 0; t < K; t++ {
			count[g.nbr[p*K+t]*n+orbit[t]]++
		}
	}
	dg.bs = make([]int, S*n+1)
	for i, c := range count {
		dg.bs[i+1] = dg.bs[i] + c
	}
	dg.bwd = make([]int32, S*K)
	at := append([]int(nil), dg.bs[:S*n]...)
	for p := 0; p < S; p++ {
		for t := 0; t < K; t++ {
			w := g.nbr[p*K+t]*n + orbit[t]
			dg.bwd[at[w]] = int32(p * g.Cout)
			at[w]++
		}
	}
	return dg
}

// Width returns T·Cout, the width of Z.
func (g *DirectGeom) Width() int { return g.T * g.Cout }

// DirectMatrix writes Ωᵀ, the (T·Cout)×Cin matrix dst[(τ·Cout + co)·Cin + ci]
// = w[co, ci, rep(τ)] of the full Cout×Cin×K1×K2 kernel w. It does not
// allocate.
func DirectMatrix[T Float](dst, w []T, g *DirectGeom) {
	C, K := g.Cin, g.K()
	for tau, t := range g.rep {
		for co := 0; co < g.Cout; co++ {
			row := dst[(tau*g.Cout+co)*C : (tau*g.Cout+co+1)*C]
			for ci := range row {
				row[ci] = w[(co*C+ci)*K+t]
			}
		}
	}
}

// DirectFold is the adjoint of DirectMatrix: it adds GD (the gradient of
// Ωᵀ, laid out like it) to the full kernel's gradient gw at the
// representative taps. It does not allocate.
func DirectFold[T Float](gw, GD []T, g *DirectGeom) {
	C, K := g.Cin, g.K()
	for tau, t := range g.rep {
		for co := 0; co < g.Cout; co++ {
			row := GD[(tau*g.Cout+co)*C : (tau*g.Cout+co+1)*C]
			for ci, v := range row {
				gw[(co*C+ci)*K+t] += v
			}
		}
	}
}

// DirectSum writes the convolution's output of nrows fields (each
// sites×Cout) from their Z (each sites×Width): y[p, co] = Σ_t Z[p + t,
// (τ(t), co)]. It does not allocate.
func DirectSum[T Float](y, Z []T, nrows int, g *DirectGeom) {
	S, C, W := g.Sites(), g.Cout, g.Width()
	for r := 0; r < nrows; r++ {
		storeRows(y[r*S*C:(r+1)*S*C], Z[r*S*W:(r+1)*S*W], g.fwd, g.fs, S, C)
	}
}

// DirectGather writes the adjoint's Z̄ of nrows fields (each sites×Width)
// from the output cotangents yb (each sites×Cout): Z̄[q, (τ, co)] =
// Σ_{t ∈ τ} ȳ[q − t, co]. It does not allocate.
func DirectGather[T Float](Zb, yb []T, nrows int, g *DirectGeom) {
	S, C, W := g.Sites(), g.Cout, g.Width()
	for r := 0; r < nrows; r++ {
		storeRows(Zb[r*S*W:(r+1)*S*W], yb[r*S*C:(r+1)*S*C], g.bwd, g.bs, S*g.T, C)
	}
}
