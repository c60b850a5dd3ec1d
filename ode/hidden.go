package ode

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime"
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
// A time-dependent potential with one hidden layer (HiddenLayer.Time) is
// integrated the same way: whatever time terms its two layers have (time
// features concatenated to the input, gates with or without shift; see
// ir.TimeMap), at a fixed t the hidden pre-activations are
// a = s(t)⊙z + b′(t) with the time-free z = W·x (z = W·x + b, s = 1 and
// b′ = 0 when only the output has them), and φ is the output gate
// g(t) times w·σ(a) plus terms of t alone. So ∇φ = Wᵀ·(g·w⊙s⊙σ′(a)),
// Δφ = Σ_k g·w_k·s_k²·σ″(a_k)‖W_k‖², and z still moves by
// dz/dt = σ_f·G·u: each stage evaluates a, s, b′ and g at its time
// t_n + c_i·dt, from 0 to T when sampling and from T back to 0 in the
// density direction (Config.StageTime, as Integrator does), and the
// adjoint maps each stage's gradient with respect to s, b′ and g back to
// the time parameters with ir.TimeMap.BackTime, as the kernels' reverse
// mode does. The time terms cost O(B·H) per stage next to the O(B·H²)
// product.
//
// Hidden works in the precision of the potential's kernels
// (ir.Program.Precision): in float32, the state, G and every product are
// float32 (Sgemm and its pre-packed form), while ln p, x and the sums that
// make the parameter gradient accumulate in float64 (see hidden in
// hidden_core.go). θ, the caller's batches and dθ stay float64 either way.
//
// NewHidden accepts the programs it can integrate this way (see
// HiddenLayer); PreferHidden says when it is the cheaper choice.
type Hidden struct {
	f Flow // *hidden[float64] or *hidden[float32]
}

// Precision returns the working precision, "float64" or "float32": that of
// the potential's kernels (ir.Program.Precision).
func (hd *Hidden) Precision() string {
	if _, ok := hd.f.(*hidden[float32]); ok {
		return "float32"
	}
	return "float64"
}

// Run integrates x (B×D, overwritten with x(T)) and a (B, overwritten with
// a(T)) in direction sigma, like Integrator.Run. probeSeed is unused (the
// Laplacian is exact). It does not allocate.
func (hd *Hidden) Run(x, a []float64, sigma float64, record bool, probeSeed uint64) {
	hd.f.Run(x, a, sigma, record, probeSeed)
}

// Adjoint back-propagates through the last recorded Run, like
// Integrator.Adjoint: xb (B×D) is overwritten with the cotangent of x(0),
// ab is left as is, and the parameter gradient is added to dtheta. It does
// not allocate.
func (hd *Hidden) Adjoint(xb, ab, dtheta []float64) { hd.f.Adjoint(xb, ab, dtheta) }

// HiddenLayer locates the parameters of a one-hidden-layer potential in θ.
type HiddenLayer struct {
	H   int    // hidden units
	W   int    // offset of W (H×D, row-major)
	B   int    // offset of b (H), −1 without bias
	Out int    // offset of w (H)
	Act ir.Act // σ
	// Time reports whether φ depends on t: the time terms of either layer
	// (ir.TimeMap has their parameters), with which Hidden integrates
	// φ(x, t) = g(t)·Σ_k w_k σ(s_k(t)·(W·x)_k + b′_k(t)) (+ terms of t
	// alone); see Hidden.
	Time bool
}

// HiddenLayerOf reports whether p is φ(x) = w·σ(W·x + b) (+ c), in either
// precision, with an activation Hidden evaluates and no symmetry handled
// by the integrator (orbit averages or random elements), and where its
// parameters are. Time terms (concatenated features, gates with or without
// shift) may enter either layer: for each t they make the hidden layer's
// pre-activations s(t)⊙(W·x) + b′(t) and scale φ by the output layer's
// gate, which Hidden integrates exactly.
func HiddenLayerOf(p *ir.Program) (HiddenLayer, bool) {
	if len(p.Averaged()) > 0 || len(p.Randomized()) > 0 || len(p.Nodes) != 4 {
		return HiddenLayer{}, false
	}
	in, d, a, o := p.Nodes[0], p.Nodes[1], p.Nodes[2], p.Nodes[3]
	if in.Op != ir.OpInput || d.Op != ir.OpDense || a.Op != ir.OpAct || o.Op != ir.OpDense ||
		len(d.Inputs) != 1 || d.Inputs[0] != 0 || len(a.Inputs) != 1 || a.Inputs[0] != 1 ||
		len(o.Inputs) != 1 || o.Inputs[0] != 2 || o.Out != 1 || p.Output != 3 || d.W < 0 || o.W < 0 {
		return HiddenLayer{}, false
	}
	if _, ok := hiddenAct[float64](a.Act); !ok {
		return HiddenLayer{}, false
	}
	l := HiddenLayer{H: d.Out, W: p.Params[d.W].Offset, B: -1, Out: p.Params[o.W].Offset, Act: a.Act, Time: p.TimeDependent()}
	if d.B >= 0 {
		l.B = p.Params[d.B].Offset
	}
	return l, true
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
// is cheaper (unless cfg.InputSpace or cfg.Score), Integrator otherwise.
func NewFlow(pot runtime.Potential, cfg Config) (Flow, error) {
	if !cfg.InputSpace && !cfg.Score && PreferHidden(pot.Program(), cfg.Hutchinson) {
		return NewHidden(pot, cfg)
	}
	return New(pot, cfg)
}

// NewHidden returns a hidden-space integrator for pot, whose program must
// pass HiddenLayerOf (with or without time terms), with the exact Laplacian (cfg.Hutchinson must be
// false). It allocates every buffer; Run and Adjoint then do not allocate.
func NewHidden(pot runtime.Potential, cfg Config) (*Hidden, error) {
	l, ok := HiddenLayerOf(pot.Program())
	if !ok {
		return nil, fmt.Errorf("ode: %s is not a one-hidden-layer potential w·σ(W·x + b) without averaged or random symmetries", pot.Name())
	}
	if cfg.Hutchinson {
		return nil, fmt.Errorf("ode: the hidden-space integrator computes the exact Laplacian only")
	}
	if cfg.Score {
		return nil, fmt.Errorf("ode: the hidden-space integrator has no score flow (Config.Score): use New")
	}
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if pot.Program().Precision == "float32" {
		return &Hidden{f: newHidden[float32](pot, cfg, l)}, nil
	}
	return &Hidden{f: newHidden[float64](pot, cfg, l)}, nil
}
