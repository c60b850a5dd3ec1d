package ode

import (
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/kern"
	"gonum.org/v1/gonum/blas"
)

// hidden is the hidden-space integrator (see Hidden) in the working
// precision T, the precision of the potential's kernels.
//
// Precision. Everything of size B×H or H×H, and so every product, is in T:
// the state z and s, the stage values and slopes, the adjoint's cotangents,
// G = W·Wᵀ (formed each Run from a copy of W in T). What accumulates many
// small terms over the whole run, or must stay as exact as the caller's
// numbers, is float64:
//   - a (ln p) and x: each stage's Laplacians (one dot product of H terms
//     in T per sample) are added to a in float64, and x(T) = x(0) + Wᵀ·s(T)
//     adds the displacement to the float64 x(0), which stays exact;
//   - the parameter gradient: w̄ and t (sums over samples, stages and steps
//     of ū ⊙ σ′ and ℓ̄·σ″) accumulate in float64; Ḡ accumulates each step's
//     product in T and is added into a float64 Ḡ every foldEvery steps;
//     W̄ (H×D) is summed in T from a few products per Adjoint and then
//     added to dθ.
//
// In float64 the T buffers are θ's own slices and the caller's x, and
// every operation is the one the float64-only integrator did, in the same
// order.
type hidden[T floatT] struct {
	pot  runtime.Potential
	cfg  Config
	D, H int
	l    HiddenLayer
	act  func(f, d1, d2, d3, x []T)
	tt   *hiddenTime[T] // the time terms of φ(x, t); nil without time
	bz   int            // offset in θ of the bias added to z = W·x, −1 for none (see hiddenTime)

	w, b, wo []T // W (H×D), b (H, nil without bias), w (H): θ's slices in float64, copies made by Run in float32
	g        []T // G = W·Wᵀ (H×H), formed by Run
	gp       packedT[T]
	n2, wn   []T // ‖W_k‖², w ⊙ ‖W_k‖² (H)

	nb        int
	sigma     float64
	recording bool
	x0        []T   // x(0) (B×D)
	xt        []T   // float32: x(T) − x(0), then x̄ (B×D); nil in float64
	z         []T   // z of the current step (B×H)
	s         []T   // s (B×H)
	ys        [][]T // stage pre-activations without recording
	states    [][]T // Store: every stage's z; Recompute: z at each segment start
	seg       [][]T // Recompute: the stage z of one segment
	kap       [][]T // per stage κ_i = σ_f·u_i·G (B×H)
	u         []T   // stacked u_i of one step ((S·B)×H), in the adjoint
	d1, d2    []T   // σ′, σ″ (B×H)
	d3        []T   // σ‴ (B×H)
	lb        []T   // per-sample Laplacian (Run) or its cotangent ℓ̄ (Adjoint) (B)

	kb, ub, zb []T       // stacked κ̄_i of one step ((S·B)×H); ū, ζ̄ of the stage (B×H)
	zacc       []T       // cotangent of the step's z (B×H)
	sb         []T       // s̄ = x̄(T)·Wᵀ (B×H), constant in time
	gb         []float64 // Ḡ (H×H)
	gbT        []T       // Ḡ of the steps since the last fold (H×H); gb itself in float64
	unfolded   int       // steps accumulated in gbT
	wbT        []T       // float32: W̄ (H×D); nil in float64 (W̄ goes to dθ directly)
	wb, nb2    []float64 // w̄, the cotangent of ‖W_k‖² (H)
	t          []float64 // Σ ℓ̄·σ″ over the samples and stages (H)
}

// foldEvery is the number of steps whose Ḡ terms a float32 Adjoint sums in
// float32 before adding them into the float64 Ḡ: few enough that the
// float32 sum loses no more than a product does (each step's product
// already sums S·B terms), and enough that the H×H addition costs nothing
// next to the steps' products.
const foldEvery = 10

// hiddenAct returns σ′, σ″, σ‴ (and σ) batched in T for a.
func hiddenAct[T floatT](a ir.Act) (func(f, d1, d2, d3, x []T), bool) {
	switch a {
	case ir.Softplus:
		return kern.SoftplusN[T], true
	case ir.LnCosh:
		return kern.LnCoshN[T], true
	case ir.Tanh:
		return kern.TanhN[T], true
	case ir.Sigmoid:
		return kern.SigmoidN[T], true
	case ir.Swish:
		return kern.SwishN[T], true
	}
	return nil, false
}

// newHidden allocates every buffer of a hidden-space integrator for the
// checked layer l; Run and Adjoint then do not allocate.
func newHidden[T floatT](pot runtime.Potential, cfg Config, l HiddenLayer) *hidden[T] {
	D, H, B, S := pot.Dim(), l.H, cfg.MaxBatch, cfg.Tableau.Stages()
	act, _ := hiddenAct[T](l.Act)
	hd := &hidden[T]{pot: pot, cfg: cfg, D: D, H: H, l: l, act: act, bz: l.B}
	if hd.tt = newHiddenTime[T](pot.Program(), l, B); hd.tt != nil && hd.tt.hidden {
		hd.bz = -1 // b enters a through b′(t)
	}
	mk := buffersT[T]
	hd.g, hd.n2, hd.wn = make([]T, H*H), make([]T, H), make([]T, H)
	hd.x0, hd.z, hd.s = make([]T, B*D), make([]T, B*H), make([]T, B*H)
	hd.ys, hd.kap = mk(S, B*H), mk(S, B*H)
	hd.u, hd.kb = make([]T, S*B*H), make([]T, S*B*H)
	hd.d1, hd.d2, hd.d3 = make([]T, B*H), make([]T, B*H), make([]T, B*H)
	hd.ub, hd.zb, hd.zacc, hd.sb = make([]T, B*H), make([]T, B*H), make([]T, B*H), make([]T, B*H)
	hd.lb = make([]T, B)
	hd.gb, hd.wb, hd.nb2, hd.t = make([]float64, H*H), make([]float64, H), make([]float64, H), make([]float64, H)
	if is64[T]() {
		hd.gbT = alias64[T](hd.gb)
	} else {
		hd.gbT, hd.xt, hd.wbT = make([]T, H*H), make([]T, B*D), make([]T, H*D)
		hd.w, hd.wo = make([]T, H*D), make([]T, H)
		if hd.bz >= 0 {
			hd.b = make([]T, H)
		}
	}
	hd.states, hd.seg = trajectoryT[T](&cfg, B*H)
	return hd
}

// trajectoryT is Config.trajectory with buffers of T.
func trajectoryT[T floatT](cfg *Config, size int) (states, seg [][]T) {
	s := cfg.Tableau.Stages()
	switch {
	case cfg.NoRecord:
	case cfg.Memory == Store:
		states = buffersT[T](cfg.Steps*s, size)
	case cfg.Memory == Recompute:
		states = buffersT[T]((cfg.Steps+cfg.Every-1)/cfg.Every, size)
		seg = buffersT[T](cfg.Every*s, size)
	}
	return states, seg
}

// buffersT returns n zeroed slices of size elements of T.
func buffersT[T floatT](n, size int) [][]T {
	out := make([][]T, n)
	for i := range out {
		out[i] = make([]T, size)
	}
	return out
}

// loadWeights points hd.w, hd.b and hd.wo at W, b and w in θ (float64), or
// rounds them into their float32 copies.
func (hd *hidden[T]) loadWeights() {
	th := hd.pot.Params()
	W, out := th[hd.l.W:hd.l.W+hd.H*hd.D], th[hd.l.Out:hd.l.Out+hd.H]
	var b []float64
	if hd.bz >= 0 {
		b = th[hd.bz : hd.bz+hd.H]
	}
	if is64[T]() {
		hd.w, hd.b, hd.wo = alias64[T](W), alias64[T](b), alias64[T](out)
		return
	}
	narrow(hd.w, W)
	narrow(hd.wo, out)
	if b != nil {
		narrow(hd.b, b)
	}
}

// Run integrates x (B×D, overwritten with x(T)) and a (B, overwritten with
// a(T)) in direction sigma; see Hidden.Run.
func (hd *hidden[T]) Run(x, a []float64, sigma float64, record bool, _ uint64) {
	if len(x) != len(a)*hd.D || len(a) > hd.cfg.MaxBatch || len(a) == 0 {
		panic("ode: Run: bad batch")
	}
	if record && hd.cfg.NoRecord {
		panic("ode: Run: cannot record with Config.NoRecord")
	}
	hd.nb, hd.sigma, hd.recording = len(a), sigma, record
	D, H, nb := hd.D, hd.H, len(a)
	hd.loadWeights()
	if hd.tt != nil {
		hd.tt.valid = false // θ may have changed
	}
	W, w := hd.w, hd.wo
	// G = W·Wᵀ and the squared row norms of W.
	gemmT(blas.NoTrans, blas.Trans, H, H, D, 1, W, D, W, D, 0, hd.g, H)
	hd.gp.pack(H, H, hd.g, H)
	for k := range H {
		hd.n2[k] = hd.g[k*H+k]
		hd.wn[k] = w[k] * hd.n2[k]
	}
	x0 := hd.x0[:nb*D]
	narrow(x0, x)
	z, s := hd.z[:nb*H], hd.s[:nb*H]
	gemmT(blas.NoTrans, blas.Trans, nb, H, D, 1, x0, D, W, D, 0, z, H)
	if hd.b != nil {
		kern.AddBias(z, hd.b, nb, H)
	}
	clear(s)
	S := hd.cfg.Tableau.Stages()
	for n := 0; n < hd.cfg.Steps; n++ {
		ys := hd.ys
		switch {
		case record && hd.cfg.Memory == Store:
			ys = hd.states[n*S : (n+1)*S]
		case record && n%hd.cfg.Every == 0:
			copy(hd.states[n/hd.cfg.Every][:nb*H], z)
		}
		hd.step(n, z, s, a, ys)
	}
	// x(T) = x(0) + Wᵀ·s(T), row by row: x += s·W.
	if xT := alias64[T](x); xT != nil {
		gemmT(blas.NoTrans, blas.NoTrans, nb, D, H, 1, s, H, W, D, 1, xT, D)
		return
	}
	dx := hd.xt[:nb*D]
	gemmT(blas.NoTrans, blas.NoTrans, nb, D, H, 1, s, H, W, D, 0, dx, D)
	addWide(x, dx)
}

// step advances z, s and a (s or a nil: not accumulated) by step n, the
// stage states going to ys.
func (hd *hidden[T]) step(n int, z, s []T, a []float64, ys [][]T) {
	tab, h := hd.cfg.Tableau, hd.cfg.Dt
	H, nb := hd.H, hd.nb
	nh := nb * H
	d1, d2 := hd.d1[:nh], hd.d2[:nh]
	for i := range tab.B {
		zi := ys[i][:nh]
		copy(zi, z)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				axpy(zi, T(h*aij), hd.kap[j][:nh])
			}
		}
		pre, w, wn := hd.stage(n, i, zi)
		if a != nil && tab.B[i] != 0 {
			hd.act(nil, d1, d2, nil, pre)
		} else {
			hd.act(nil, d1, nil, nil, pre)
		}
		// u_i = w ⊙ σ′ (in d1), κ_i = σ_f·u_i·G.
		for r := range nb {
			mulT(d1[r*H:(r+1)*H], w)
		}
		hd.gp.mul(nb, T(hd.sigma), d1, H, 0, hd.kap[i][:nh], H)
		if bi := tab.B[i]; bi != 0 {
			if s != nil {
				axpy(s, T(h*bi*hd.sigma), d1)
			}
			if a != nil {
				// Δφ = Σ_k σ″(z_k)·w_k‖W_k‖²
				lap := hd.lb[:nb]
				kern.MatVec(lap, d2, wn, nb, H, 0)
				axpyWide(a, -hd.sigma*h*bi, lap)
			}
		}
	}
	for i, bi := range tab.B {
		if bi != 0 {
			axpy(z, T(h*bi), hd.kap[i][:nh])
		}
	}
}

// stage returns the pre-activations of stage i of step n at its state zi
// and the coefficients of σ′ and σ″ in ∇φ and Δφ: zi, w and w⊙‖W_k‖² for
// a time-free φ; a = s⊙zi + c, g·w⊙s and g·w⊙s²⊙‖W_k‖² at the stage's
// time (Config.StageTime) for φ(x, t).
func (hd *hidden[T]) stage(n, i int, zi []T) (pre, w, wn []T) {
	tt := hd.tt
	if tt == nil {
		return zi, hd.wo, hd.wn
	}
	tt.at(hd.cfg.StageTime(hd.sigma, n, i), hd.pot.Params(), hd.wo, hd.n2)
	return tt.shift(zi, hd.nb), tt.wu, tt.wl
}

// Adjoint back-propagates through the last recorded Run; see
// Hidden.Adjoint.
func (hd *hidden[T]) Adjoint(xb, ab, dtheta []float64) {
	if !hd.recording {
		panic("ode: Adjoint without a recorded Run")
	}
	if len(xb) != hd.nb*hd.D || len(ab) != hd.nb {
		panic("ode: Adjoint: bad batch")
	}
	D, H, nb := hd.D, hd.H, hd.nb
	nh := nb * H
	W, wout := hd.w, hd.wo
	// W̄ goes to dθ directly in float64, to hd.wbT in float32; x̄ is read
	// in T from xbT.
	Wb, xbT := alias64[T](dtheta[hd.l.W:hd.l.W+H*D]), alias64[T](xb)
	if Wb == nil {
		Wb, xbT = hd.wbT, hd.xt[:nb*D]
		clear(Wb)
		narrow(xbT, xb)
	}
	// x(T) = x(0) + Wᵀ·s(T): W̄ += s(T)ᵀ·x̄, s̄ = x̄·Wᵀ.
	s := hd.s[:nh]
	gemmT(blas.Trans, blas.NoTrans, H, D, nb, 1, s, H, xbT, D, 1, Wb, D)
	gemmT(blas.NoTrans, blas.Trans, nb, H, D, 1, xbT, D, W, D, 0, hd.sb[:nh], H)
	zacc := hd.zacc[:nh]
	clear(zacc)
	clear(hd.gb)
	clear(hd.gbT)
	hd.unfolded = 0
	clear(hd.wb)
	clear(hd.nb2)
	clear(hd.t)
	hd.adjointSweep(ab, dtheta)
	hd.fold()
	// z(0) = W·x(0) + b (b: see hd.bz): W̄ += z̄ᵀ·x(0), b̄ += Σ z̄, x̄ += z̄·W.
	gemmT(blas.Trans, blas.NoTrans, H, D, nb, 1, zacc, H, hd.x0[:nb*D], D, 1, Wb, D)
	if hd.bz >= 0 {
		bb := dtheta[hd.bz : hd.bz+H]
		for r := range nb {
			axpyWide(bb, 1, zacc[r*H:(r+1)*H])
		}
	}
	if is64[T]() {
		gemmT(blas.NoTrans, blas.NoTrans, nb, D, H, 1, zacc, H, W, D, 1, xbT, D)
	} else {
		gemmT(blas.NoTrans, blas.NoTrans, nb, D, H, 1, zacc, H, W, D, 0, xbT, D)
		addWide(xb, xbT)
	}
	// G = W·Wᵀ: W̄ += (Ḡ + Ḡᵀ)·W; ‖W_k‖²: W̄_k += 2·n̄_k·W_k.
	gb := hd.gb
	for i := range H {
		for j := i + 1; j < H; j++ {
			v := gb[i*H+j] + gb[j*H+i]
			gb[i*H+j], gb[j*H+i] = v, v
		}
		gb[i*H+i] *= 2
	}
	narrow(hd.gbT, gb) // a copy onto itself in float64
	gemmT(blas.NoTrans, blas.NoTrans, H, D, H, 1, hd.gbT, H, W, D, 1, Wb, D)
	// The ℓ̄ terms: w̄ += n ⊙ t, n̄ = w ⊙ t (with time, each adjoint stage
	// added its own to w̄ and n̄).
	for k := range H {
		hd.wb[k] += float64(hd.n2[k]) * hd.t[k]
		hd.nb2[k] += float64(wout[k]) * hd.t[k]
	}
	for k := range H {
		axpy(Wb[k*D:(k+1)*D], T(2*hd.nb2[k]), W[k*D:(k+1)*D])
	}
	if !is64[T]() {
		addWide(dtheta[hd.l.W:hd.l.W+H*D], Wb)
	}
	axpyWide(dtheta[hd.l.Out:hd.l.Out+H], 1, hd.wb)
}

// adjointSweep runs the adjoint steps from the last step back to the
// first, over the stored stages (Store) or over each segment's stages
// recomputed from its checkpoint (Recompute).
func (hd *hidden[T]) adjointSweep(ab, dtheta []float64) {
	S := hd.cfg.Tableau.Stages()
	switch hd.cfg.Memory {
	case Store:
		for n := hd.cfg.Steps - 1; n >= 0; n-- {
			hd.adjointStep(n, hd.states[n*S:(n+1)*S], ab, dtheta)
		}
	case Recompute:
		e := hd.cfg.Every
		z := hd.z[:hd.nb*hd.H]
		for c := len(hd.states) - 1; c >= 0; c-- {
			first := c * e
			last := min(first+e, hd.cfg.Steps)
			copy(z, hd.states[c][:hd.nb*hd.H])
			for n := first; n < last; n++ {
				hd.step(n, z, nil, nil, hd.seg[(n-first)*S:(n-first+1)*S])
			}
			for n := last - 1; n >= first; n-- {
				hd.adjointStep(n, hd.seg[(n-first)*S:(n-first+1)*S], ab, dtheta)
			}
		}
	}
}

// fold adds the Ḡ terms accumulated in T since the last fold into the
// float64 Ḡ (nothing to do in float64, where they are the same buffer).
func (hd *hidden[T]) fold() {
	if is64[T]() || hd.unfolded == 0 {
		return
	}
	addWide(hd.gb, hd.gbT)
	clear(hd.gbT)
	hd.unfolded = 0
}

// adjointStep propagates the cotangent of z (hd.zacc) back through step n
// whose stage states are zs, accumulating Ḡ, w̄ and t (with time, adding
// each stage's gradient of w̄, n̄ and the time parameters, to dtheta).
func (hd *hidden[T]) adjointStep(n int, zs [][]T, ab, dtheta []float64) {
	tab, h := hd.cfg.Tableau, hd.cfg.Dt
	H, nb := hd.H, hd.nb
	nh := nb * H
	S := tab.Stages()
	zacc := hd.zacc[:nh]
	kb := hd.kb[:S*nh]
	for i := range S {
		k := kb[i*nh : (i+1)*nh]
		c := T(h * tab.B[i])
		for e, v := range zacc {
			k[e] = c * v
		}
	}
	d1, zb, lb := hd.d1[:nh], hd.zb[:nh], hd.lb[:nb]
	tt := hd.tt
	for i := S - 1; i >= 0; i-- {
		zi := zs[i][:nh]
		pre, w, wn := hd.stage(n, i, zi)
		hd.act(nil, d1, hd.d2[:nh], hd.d3[:nh], pre)
		u := hd.u[i*nh : (i+1)*nh]
		for r := range nb {
			ur, dr := u[r*H:(r+1)*H], d1[r*H:(r+1)*H]
			for k, v := range dr {
				ur[k] = w[k] * v
			}
		}
		// ū = h·B_i·σ_f·s̄ + σ_f·κ̄_i·G
		c, ub := T(h*tab.B[i]*hd.sigma), hd.ub[:nh]
		for e, v := range hd.sb[:nh] {
			ub[e] = c * v
		}
		hd.gp.mul(nb, T(hd.sigma), kb[i*nh:(i+1)*nh], H, 1, ub, H)
		for r := range nb {
			lb[r] = T(-hd.sigma * h * tab.B[i] * ab[r])
		}
		switch {
		case tt == nil:
			hd.stageCotangent(w, wn, hd.wb, hd.t)
		case tt.hidden:
			hd.cotangent(tt, zi)
		default:
			hd.stageCotangent(w, wn, tt.ub, tt.lb)
		}
		if tt != nil {
			tt.back(tt.cur, hd.pot.Params(), dtheta, hd.wo, hd.n2, hd.wb, hd.nb2)
		}
		axpy(zacc, 1, zb)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				axpy(kb[j*nh:(j+1)*nh], T(h*aij), zb)
			}
		}
	}
	// Ḡ += σ_f·Σ_i u_iᵀ·κ̄_i, one product for the step's stages.
	gemmT(blas.Trans, blas.NoTrans, H, H, S*nb, T(hd.sigma), hd.u[:S*nh], H, kb, H, 1, hd.gbT, H)
	if hd.unfolded++; hd.unfolded == foldEvery {
		hd.fold()
	}
}

// stageCotangent computes the cotangent of a stage's pre-activations from
// ū (hd.ub), ℓ̄ (hd.lb) and σ′, σ″, σ‴ there (hd.d1, d2, d3), with w and wn
// the coefficients of σ′ and σ″ (see stage): ζ̄ = w ⊙ ū ⊙ σ″ + ℓ̄·wn ⊙ σ‴
// (to hd.zb), and adds Σ ū ⊙ σ′ to wb and Σ ℓ̄·σ″ to t (Adjoint turns t
// into the ℓ̄ terms of w̄ and n̄; with time, the stage's back does).
func (hd *hidden[T]) stageCotangent(w, wn []T, wb, t []float64) {
	H, nb := hd.H, hd.nb
	nh := nb * H
	ub, d1, d2, d3, zb, lb := hd.ub[:nh], hd.d1[:nh], hd.d2[:nh], hd.d3[:nh], hd.zb[:nh], hd.lb[:nb]
	w, wn, wb, t = w[:H], wn[:H], wb[:H], t[:H]
	for r := range nb {
		o := r * H
		ubr, d1r, d2r, d3r, zbr := ub[o:o+H], d1[o:o+H], d2[o:o+H], d3[o:o+H], zb[o:o+H]
		l := lb[r]
		for k := range zbr {
			zbr[k] = w[k]*ubr[k]*d2r[k] + l*wn[k]*d3r[k]
			wb[k] += float64(ubr[k]) * float64(d1r[k])
			t[k] += float64(l) * float64(d2r[k])
		}
	}
}
