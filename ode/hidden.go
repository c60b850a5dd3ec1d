package ode

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/gemm"
	"github.com/mafc-dev/mafc/runtime/kern"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
)

// Flow is what training needs of an integrator: Integrator and Hidden
// implement it.
type Flow interface {
	// Run integrates the batch x (B×D, overwritten with x(T)) and a (B,
	// overwritten with a(T)) in direction sigma; with record it keeps
	// what Adjoint needs.
	Run(x, a []float64, sigma float64, record bool, probeSeed uint64)
	// Adjoint back-propagates the cotangents of x(T) (overwritten with
	// those of x(0)) and a(T) through the last recorded Run and adds the
	// parameter gradient to dtheta.
	Adjoint(xb, ab, dtheta []float64)
}

var (
	_ Flow = (*Integrator)(nil)
	_ Flow = (*Hidden)(nil)
)

// Hidden integrates the flow of a potential with one hidden layer,
//
//	φ(x) = Σ_k w_k σ(z_k) (+ c),   z = W·x + b,   W ∈ R^(H×D),
//
// in its hidden pre-activations instead of in x. Since ∇φ = Wᵀ·u(z) with
// u = w ⊙ σ′(z) and Δφ = Σ_k w_k σ″(z_k)‖W_k‖², the velocity of z is
// dz/dt = σ_f·W·Wᵀ·u(z) = σ_f·G·u(z), and x(T) = x(0) + Wᵀ·s(T) with
// ds/dt = σ_f·u(z). A Runge–Kutta step commutes with the affine map
// x ↦ W·x + b, so this is the same discrete flow as Integrator's (the same
// x(T), a(T) and gradients, up to rounding), with one H×H product per stage
// instead of two H×D ones, and two instead of four in the adjoint: per
// stage pair 6·B·H² flops against 6·B·H·D (with runtime.Saver), fewer when
// H < 2·D, 1.53× fewer for the paper's MNIST potential (H = 1024, D = 784),
// as many for its Ising potential (H = 2·D), which still runs faster. Each
// Run also forms G = W·Wᵀ, and each Adjoint turns the gradient of G into
// W's (2·H²·D flops each).
//
// NewHidden accepts the programs it can integrate this way (see
// HiddenLayer); PreferHidden says when it is the cheaper choice.
type Hidden struct {
	pot  runtime.Potential
	cfg  Config
	D, H int
	l    HiddenLayer
	act  func(f, d1, d2, d3, x []float64)

	g  []float64 // G = W·Wᵀ (H×H), formed by Run
	gp gemm.PackedB64
	n2 []float64 // ‖W_k‖²

	nb        int
	sigma     float64
	recording bool
	x0        []float64   // x(0) (B×D)
	z         []float64   // z of the current step (B×H)
	s         []float64   // s (B×H)
	ys        [][]float64 // stage pre-activations without recording
	states    [][]float64 // Store: every stage's z; Recompute: z at each segment start
	seg       [][]float64 // Recompute: the stage z of one segment
	kap       [][]float64 // per stage κ_i = σ_f·u_i·G (B×H)
	u         []float64   // stacked u_i of one step ((S·B)×H), in the adjoint
	d1, d2    []float64   // σ′, σ″ (B×H)
	d3        []float64   // σ‴ (B×H)

	kb      []float64 // stacked κ̄_i of one step ((S·B)×H)
	ub, zb  []float64 // ū, ζ̄ of the stage (B×H)
	zacc    []float64 // cotangent of the step's z (B×H)
	sb      []float64 // s̄ = x̄(T)·Wᵀ (B×H), constant in time
	gb      []float64 // Ḡ (H×H)
	wb, nb2 []float64 // w̄, the cotangent of ‖W_k‖² (H)
	wn, t   []float64 // w ⊙ ‖W_k‖² (formed by Run), Σ ℓ̄·σ″ over the samples and stages (H)
	lb      []float64 // per-sample Laplacian cotangent (B)
}

// HiddenLayer locates the parameters of a one-hidden-layer potential in θ.
type HiddenLayer struct {
	H   int    // hidden units
	W   int    // offset of W (H×D, row-major)
	B   int    // offset of b (H), −1 without bias
	Out int    // offset of w (H)
	Act ir.Act // σ
}

// hiddenActs are the activations Hidden evaluates (σ′, σ″, σ‴ batched).
var hiddenActs = map[ir.Act]func(f, d1, d2, d3, x []float64){
	ir.Softplus: kern.SoftplusN[float64],
	ir.LnCosh:   kern.LnCoshN[float64],
	ir.Tanh:     kern.TanhN[float64],
	ir.Sigmoid:  kern.SigmoidN[float64],
	ir.Swish:    kern.SwishN[float64],
}

// HiddenLayerOf reports whether p is a time-independent φ(x) = w·σ(W·x + b) (+ c) in float64
// with an activation Hidden evaluates and no symmetry handled by the
// integrator (orbit averages or random elements), and where its
// parameters are.
func HiddenLayerOf(p *ir.Program) (HiddenLayer, bool) {
	if p.TimeDependent() || p.Precision == "float32" || len(p.Averaged()) > 0 || len(p.Randomized()) > 0 || len(p.Nodes) != 4 {
		return HiddenLayer{}, false
	}
	in, d, a, o := p.Nodes[0], p.Nodes[1], p.Nodes[2], p.Nodes[3]
	if in.Op != ir.OpInput || d.Op != ir.OpDense || a.Op != ir.OpAct || o.Op != ir.OpDense ||
		len(d.Inputs) != 1 || d.Inputs[0] != 0 || len(a.Inputs) != 1 || a.Inputs[0] != 1 ||
		len(o.Inputs) != 1 || o.Inputs[0] != 2 || o.Out != 1 || p.Output != 3 || d.W < 0 || o.W < 0 {
		return HiddenLayer{}, false
	}
	if _, ok := hiddenActs[a.Act]; !ok {
		return HiddenLayer{}, false
	}
	l := HiddenLayer{H: d.Out, W: p.Params[d.W].Offset, B: -1, Out: p.Params[o.W].Offset, Act: a.Act}
	if d.B >= 0 {
		l.B = p.Params[d.B].Offset
	}
	return l, true
}

// HiddenFallback returns why a time-dependent p with one hidden layer,
// which Hidden would integrate without its time terms, is integrated in x,
// and "" for any other program.
func HiddenFallback(p *ir.Program) string {
	if !p.TimeDependent() {
		return ""
	}
	if _, ok := HiddenLayerOf(p.KernelProgram()); !ok {
		return ""
	}
	n := p.Nodes[1]
	switch {
	case n.Gate != nil:
		return fmt.Sprintf("the hidden-space integrator is not used: the time gate of %q scales W·x, and Hidden integrates only time-free potentials", n.Name)
	case n.Time != nil:
		return fmt.Sprintf("the hidden-space integrator is not used: it integrates only time-free potentials (the time terms of %q enter z = W·x + b + U·f(t) through the bias, but Hidden does not carry them)", n.Name)
	}
	return "the hidden-space integrator is not used: it integrates only time-free potentials"
}

// PreferHidden reports whether Hidden is the cheaper way to integrate p:
// when its products need at most the flops of Integrator's with a
// runtime.Saver, 3·H² against 6·H·D per sample and stage pair, i.e. H ≤ 2·D.
// At equality Hidden still wins, with fewer and larger products and no
// elementwise work in x (README, "Speed", has the measured times of the
// paper's Ising potential, where H = 2·D).
func PreferHidden(p *ir.Program, hutchinson bool) bool {
	l, ok := HiddenLayerOf(p)
	return ok && !hutchinson && l.H <= 2*p.Dim()
}

// NewFlow returns the integrator for pot: Hidden where PreferHidden says it
// is cheaper (unless cfg.InputSpace), Integrator otherwise.
func NewFlow(pot runtime.Potential, cfg Config) (Flow, error) {
	if !cfg.InputSpace && PreferHidden(pot.Program(), cfg.Hutchinson) {
		return NewHidden(pot, cfg)
	}
	return New(pot, cfg)
}

// NewHidden returns a hidden-space integrator for pot, whose program must
// pass HiddenLayerOf, with the exact Laplacian (cfg.Hutchinson must be
// false). It allocates every buffer; Run and Adjoint then do not allocate.
func NewHidden(pot runtime.Potential, cfg Config) (*Hidden, error) {
	l, ok := HiddenLayerOf(pot.Program())
	if !ok {
		return nil, fmt.Errorf("ode: %s is not a one-hidden-layer potential w·σ(W·x + b) in float64 without averaged or random symmetries", pot.Name())
	}
	if cfg.Hutchinson {
		return nil, fmt.Errorf("ode: the hidden-space integrator computes the exact Laplacian only")
	}
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	D, H, B, S := pot.Dim(), l.H, cfg.MaxBatch, cfg.Tableau.Stages()
	hd := &Hidden{pot: pot, cfg: cfg, D: D, H: H, l: l, act: hiddenActs[l.Act]}
	mk := buffers
	hd.g, hd.n2 = make([]float64, H*H), make([]float64, H)
	hd.x0, hd.z, hd.s = make([]float64, B*D), make([]float64, B*H), make([]float64, B*H)
	hd.ys, hd.kap = mk(S, B*H), mk(S, B*H)
	hd.u, hd.kb = make([]float64, S*B*H), make([]float64, S*B*H)
	hd.d1, hd.d2, hd.d3 = make([]float64, B*H), make([]float64, B*H), make([]float64, B*H)
	hd.ub, hd.zb, hd.zacc, hd.sb = make([]float64, B*H), make([]float64, B*H), make([]float64, B*H), make([]float64, B*H)
	hd.gb, hd.wb, hd.nb2, hd.lb = make([]float64, H*H), make([]float64, H), make([]float64, H), make([]float64, B)
	hd.wn, hd.t = make([]float64, H), make([]float64, H)
	hd.states, hd.seg = cfg.trajectory(B * H)
	return hd, nil
}

// weights returns W (H×D), b (nil without bias) and w (H) in θ.
func (hd *Hidden) weights() (w, b, out []float64) {
	th := hd.pot.Params()
	w = th[hd.l.W : hd.l.W+hd.H*hd.D]
	if hd.l.B >= 0 {
		b = th[hd.l.B : hd.l.B+hd.H]
	}
	return w, b, th[hd.l.Out : hd.l.Out+hd.H]
}

var impl gemm.Implementation

// Run integrates x (B×D, overwritten with x(T)) and a (B, overwritten with
// a(T)) in direction sigma, like Integrator.Run. probeSeed is unused (the
// Laplacian is exact).
func (hd *Hidden) Run(x, a []float64, sigma float64, record bool, _ uint64) {
	if len(x) != len(a)*hd.D || len(a) > hd.cfg.MaxBatch || len(a) == 0 {
		panic("ode: Run: bad batch")
	}
	if record && hd.cfg.NoRecord {
		panic("ode: Run: cannot record with Config.NoRecord")
	}
	hd.nb, hd.sigma, hd.recording = len(a), sigma, record
	D, H, nb := hd.D, hd.H, len(a)
	W, b, _ := hd.weights()
	// G = W·Wᵀ and the squared row norms of W.
	impl.Dgemm(blas.NoTrans, blas.Trans, H, H, D, 1, W, D, W, D, 0, hd.g, H)
	hd.gp.Pack(false, H, H, hd.g, H)
	_, _, w := hd.weights()
	for k := range H {
		hd.n2[k] = hd.g[k*H+k]
		hd.wn[k] = w[k] * hd.n2[k]
	}
	copy(hd.x0[:nb*D], x)
	z, s := hd.z[:nb*H], hd.s[:nb*H]
	impl.Dgemm(blas.NoTrans, blas.Trans, nb, H, D, 1, x, D, W, D, 0, z, H)
	if b != nil {
		kern.AddBias(z, b, nb, H)
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
		hd.step(z, s, a, ys)
	}
	// x(T) = x(0) + Wᵀ·s(T), row by row: x += s·W.
	impl.Dgemm(blas.NoTrans, blas.NoTrans, nb, D, H, 1, s, H, W, D, 1, x, D)
}

// step advances z, s and a (s or a nil: not accumulated) by one step, the
// stage pre-activations going to ys.
func (hd *Hidden) step(z, s, a []float64, ys [][]float64) {
	tab, h := hd.cfg.Tableau, hd.cfg.Dt
	H, nb := hd.H, hd.nb
	nh := nb * H
	_, _, w := hd.weights()
	d1, d2 := hd.d1[:nh], hd.d2[:nh]
	for i := range tab.B {
		zi := ys[i][:nh]
		copy(zi, z)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				floats.AddScaled(zi, h*aij, hd.kap[j][:nh])
			}
		}
		if a != nil && tab.B[i] != 0 {
			hd.act(nil, d1, d2, nil, zi)
		} else {
			hd.act(nil, d1, nil, nil, zi)
		}
		// u_i = w ⊙ σ′ (in d1), κ_i = σ_f·u_i·G.
		for r := range nb {
			floats.Mul(d1[r*H:(r+1)*H], w)
		}
		gemm.DgemmPacked(false, nb, hd.sigma, d1, H, &hd.gp, 0, hd.kap[i][:nh], H)
		if bi := tab.B[i]; bi != 0 {
			if s != nil {
				floats.AddScaled(s, h*bi*hd.sigma, d1)
			}
			if a != nil {
				// Δφ = Σ_k σ″(z_k)·w_k‖W_k‖²
				lap := hd.lb[:nb]
				kern.MatVec(lap, d2, hd.wn, nb, H, 0)
				floats.AddScaled(a, -hd.sigma*h*bi, lap)
			}
		}
	}
	for i, bi := range tab.B {
		if bi != 0 {
			floats.AddScaled(z, h*bi, hd.kap[i][:nh])
		}
	}
}

// Adjoint back-propagates through the last recorded Run, like
// Integrator.Adjoint: xb (B×D) is overwritten with the cotangent of x(0),
// ab is left as is, and the parameter gradient is added to dtheta.
func (hd *Hidden) Adjoint(xb, ab, dtheta []float64) {
	if !hd.recording {
		panic("ode: Adjoint without a recorded Run")
	}
	if len(xb) != hd.nb*hd.D || len(ab) != hd.nb {
		panic("ode: Adjoint: bad batch")
	}
	D, H, nb := hd.D, hd.H, hd.nb
	nh := nb * H
	S := hd.cfg.Tableau.Stages()
	W, _, wout := hd.weights()
	Wb := dtheta[hd.l.W : hd.l.W+H*D]
	// x(T) = x(0) + Wᵀ·s(T): W̄ += s(T)ᵀ·x̄, s̄ = x̄·Wᵀ.
	s := hd.s[:nh]
	impl.Dgemm(blas.Trans, blas.NoTrans, H, D, nb, 1, s, H, xb, D, 1, Wb, D)
	impl.Dgemm(blas.NoTrans, blas.Trans, nb, H, D, 1, xb, D, W, D, 0, hd.sb[:nh], H)
	zacc := hd.zacc[:nh]
	clear(zacc)
	clear(hd.gb)
	clear(hd.wb)
	clear(hd.t)
	switch hd.cfg.Memory {
	case Store:
		for n := hd.cfg.Steps - 1; n >= 0; n-- {
			hd.adjointStep(hd.states[n*S:(n+1)*S], ab)
		}
	case Recompute:
		e := hd.cfg.Every
		z := hd.z[:nh]
		for c := len(hd.states) - 1; c >= 0; c-- {
			first := c * e
			last := min(first+e, hd.cfg.Steps)
			copy(z, hd.states[c][:nh])
			for n := first; n < last; n++ {
				hd.step(z, nil, nil, hd.seg[(n-first)*S:(n-first+1)*S])
			}
			for n := last - 1; n >= first; n-- {
				hd.adjointStep(hd.seg[(n-first)*S:(n-first+1)*S], ab)
			}
		}
	}
	// z(0) = W·x(0) + b: W̄ += z̄ᵀ·x(0), b̄ += Σ z̄, x̄ += z̄·W.
	impl.Dgemm(blas.Trans, blas.NoTrans, H, D, nb, 1, zacc, H, hd.x0[:nb*D], D, 1, Wb, D)
	if hd.l.B >= 0 {
		bb := dtheta[hd.l.B : hd.l.B+H]
		for r := range nb {
			floats.AddScaled(bb, 1, zacc[r*H:(r+1)*H])
		}
	}
	impl.Dgemm(blas.NoTrans, blas.NoTrans, nb, D, H, 1, zacc, H, W, D, 1, xb, D)
	// G = W·Wᵀ: W̄ += (Ḡ + Ḡᵀ)·W; ‖W_k‖²: W̄_k += 2·n̄_k·W_k.
	gb := hd.gb
	for i := range H {
		for j := i + 1; j < H; j++ {
			v := gb[i*H+j] + gb[j*H+i]
			gb[i*H+j], gb[j*H+i] = v, v
		}
		gb[i*H+i] *= 2
	}
	impl.Dgemm(blas.NoTrans, blas.NoTrans, H, D, H, 1, gb, H, W, D, 1, Wb, D)
	// The ℓ̄ terms: w̄ += n ⊙ t, n̄ = w ⊙ t.
	for k := range H {
		hd.wb[k] += hd.n2[k] * hd.t[k]
		hd.nb2[k] = wout[k] * hd.t[k]
	}
	for k := range H {
		floats.AddScaled(Wb[k*D:(k+1)*D], 2*hd.nb2[k], W[k*D:(k+1)*D])
	}
	floats.AddScaled(dtheta[hd.l.Out:hd.l.Out+H], 1, hd.wb)
}

// adjointStep propagates the cotangent of z (hd.zacc) back through one step
// whose stage pre-activations are zs, accumulating Ḡ, w̄ and t.
func (hd *Hidden) adjointStep(zs [][]float64, ab []float64) {
	tab, h := hd.cfg.Tableau, hd.cfg.Dt
	H, nb := hd.H, hd.nb
	nh := nb * H
	S := tab.Stages()
	_, _, w := hd.weights()
	zacc := hd.zacc[:nh]
	kb := hd.kb[:S*nh]
	for i := range S {
		k := kb[i*nh : (i+1)*nh]
		c := h * tab.B[i]
		for e, v := range zacc {
			k[e] = c * v
		}
	}
	d1, d2, d3 := hd.d1[:nh], hd.d2[:nh], hd.d3[:nh]
	ub, zb, lb := hd.ub[:nh], hd.zb[:nh], hd.lb[:nb]
	for i := S - 1; i >= 0; i-- {
		hd.act(nil, d1, d2, d3, zs[i][:nh])
		u := hd.u[i*nh : (i+1)*nh]
		for r := range nb {
			ur, dr := u[r*H:(r+1)*H], d1[r*H:(r+1)*H]
			for k, v := range dr {
				ur[k] = w[k] * v
			}
		}
		// ū = h·B_i·σ_f·s̄ + σ_f·κ̄_i·G
		c := h * tab.B[i] * hd.sigma
		for e, v := range hd.sb[:nh] {
			ub[e] = c * v
		}
		gemm.DgemmPacked(false, nb, hd.sigma, kb[i*nh:(i+1)*nh], H, &hd.gp, 1, ub, H)
		for r := range nb {
			lb[r] = -hd.sigma * h * tab.B[i] * ab[r]
		}
		// ζ̄_i = w ⊙ (ū ⊙ σ″ + ℓ̄·σ‴ ⊙ n), w̄ += Σ ū ⊙ σ′, and t += Σ ℓ̄·σ″
		// (Adjoint turns t into the ℓ̄ terms of w̄ and n̄).
		wn, t, wb := hd.wn[:H], hd.t[:H], hd.wb[:H]
		w := w[:H]
		for r := range nb {
			o := r * H
			ubr, d1r, d2r, d3r, zbr := ub[o:o+H], d1[o:o+H], d2[o:o+H], d3[o:o+H], zb[o:o+H]
			l := lb[r]
			for k := range zbr {
				zbr[k] = w[k]*ubr[k]*d2r[k] + l*wn[k]*d3r[k]
				wb[k] += ubr[k] * d1r[k]
				t[k] += l * d2r[k]
			}
		}
		floats.AddScaled(zacc, 1, zb)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				floats.AddScaled(kb[j*nh:(j+1)*nh], h*aij, zb)
			}
		}
	}
	// Ḡ += σ_f·Σ_i u_iᵀ·κ̄_i, one product for the step's stages.
	impl.Dgemm(blas.Trans, blas.NoTrans, H, H, S*nb, hd.sigma, hd.u[:S*nh], H, kb, H, 1, hd.gb, H)
}
