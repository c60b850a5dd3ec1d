// Package plan chooses, for every node of a potential and every evaluation
// mode, how its Jacobian is represented, and so which kernels compute the
// exact Laplacian and its reverse mode. The emitter turns a Plan into Go.
//
// # Conventions
//
// Every node i has a row stack X_i: the values of the nb samples of a chunk
// (nb rows), their Laplacian vectors ℓ (nb rows), optionally their
// Jacobians as nb·W tangent-major rows, and in reverse mode their tangents
// t = J·u along the cotangent direction u (nb rows), in that order. A linear
// layer acts on all rows at once with one GEMM; an activation σ maps
// value rows by σ, tangent and Jacobian rows by σ′ and Laplacian rows by
// ℓ_y = σ′ℓ_a + σ″q with q the squared row norms of J_a (Li et al., "A
// computational framework for neural network-based variational Monte Carlo
// with Forward Laplacian", Nature Machine Intelligence 2024).
//
// Jacobians need not be rows. The representations ("kinds") are:
//
//	Identity    the input, J = I (never materialised)
//	Shared      a dense layer of the input: J = W for every sample; q = ‖W_j‖²
//	            is held on the model and refreshed once per parameter update
//	Scaled      an activation of a Shared node: J_b = diag(σ′(a_b))·W
//	Rows        per-sample dense Jacobian rows (D or P of them)
//	ConvShared  a convolution of the input: J is its kernel on the kernel window
//	RF          per-sample Jacobians of a lattice field kept only on each
//	            site's receptive field, never D wide
//	Gram        per-sample Gram matrices J·Jᵀ (Laplacian mode only), chosen
//	            by a cost model when the widths are below D
//	ConvScaled  an activation of a ConvShared node read only by a ShiftRF
//	            convolution: J = diag(σ′)·kernel, kept as σ′ (never stored)
//	ShiftRF     a convolution of a ConvScaled node: the receptive-field
//	            Jacobian as one GEMM over the chunk of the im2col of σ′
//	            (M = samples·sites, K = Cin·K²) with the constant matrix of
//	            shifted first-layer kernels weighted by the second layer's
//	            (K × Cout·window), packed once per parameter update; chosen
//	            when it moves less data than RF (see shiftCheaper)
//
// The reverse mode differentiates G = c·φ + uᵀ∇φ + s·Δφ through exactly the
// forward computation: uᵀ∇φ is the output's tangent row, so the cotangent
// stacks are seeded with (c, s, 1) on the value, Laplacian and tangent rows.
package plan

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/kern"
)

// Mode is an evaluation mode.
type Mode int

// The modes.
const (
	Values    Mode = iota // φ only (∇φ by backpropagation)
	Laplacian             // φ, ℓ and the Jacobians needed for Δφ
	Reverse               // φ, ℓ, t and Jacobians, then the reverse sweep
	Hutch                 // Laplacian with P probe rows instead of J
	HutchRev              // Reverse with P probe rows
)

func (m Mode) String() string {
	return [...]string{"values", "laplacian", "reverse", "hutchinson", "hutchinson-reverse"}[m]
}

// Reverse reports whether the mode runs a reverse sweep.
func (m Mode) IsReverse() bool { return m == Reverse || m == HutchRev }

// Kind is a Jacobian representation.
type Kind int

// The kinds.
const (
	None Kind = iota
	Identity
	Shared
	Scaled
	Rows
	ConvShared
	RF
	Gram
	ConvScaled
	ShiftRF
)

func (k Kind) String() string {
	return [...]string{"none", "identity", "shared", "scaled", "rows", "conv-shared", "receptive-field", "gram", "conv-scaled", "shifted-kernel"}[k]
}

// Node is the plan of one IR node in one mode.
type Node struct {
	*ir.Node
	Size   int
	LZero  bool // ℓ ≡ 0 (no Laplacian rows are read)
	NeedJ  bool // the Jacobian is needed (for a row norm downstream)
	Kind   Kind
	Rows   bool        // J is (also) materialised as rows
	Window kern.Window // ConvShared and RF: the receptive field
	// Base is, for Scaled, the Shared node whose weight is M.
	Base int
	// RowsFromScaled: a dense layer of a Scaled node computed by per-sample
	// GEMMs J_b = Mᵀ·(diag(d_b)·Wᵀ) (tangent-major).
	RowsFromScaled bool
	// Reverse mode: forms of the Jacobian cotangent. JBShift (ConvScaled):
	// the cotangent is held only as its contraction with the kernel, the
	// cotangent of σ′ (the ShiftRF consumer adds the kernel gradient).
	JBRows, JBRF, JBCoef, JBShift bool
	// Strategy is a one-line description for comments.
	Strategy string
}

// Plan is the plan of a program in one mode.
type Plan struct {
	Mode  Mode
	Prog  *ir.Program
	Nodes []*Node
	// Width is the number of Jacobian rows per sample: D, or P probes.
	Width int
	dense bool
	opt   Options
}

// Options select strategies for benchmarks and tests; the zero value is the
// compiler's choice.
type Options struct {
	// Dense keeps every Jacobian as D rows per sample (see BuildWith).
	Dense bool
	// NoShift keeps receptive-field Jacobians of a convolution of a
	// convolution on the im2col path (RF) instead of ShiftRF: the baseline
	// the shifted-kernel GEMMs are compared against.
	NoShift bool
}

// Build plans p in mode m; probes is the number of Hutchinson probes.
func Build(p *ir.Program, m Mode, probes int) *Plan {
	return BuildWith(p, m, probes, false)
}

// BuildWith is Build; with dense, every Jacobian is kept as D rows per
// sample (plain forward-Laplacian propagation, no closed forms, receptive
// fields or Gram matrices): the baseline the strategies are measured
// against.
func BuildWith(p *ir.Program, m Mode, probes int, dense bool) *Plan {
	return BuildOptions(p, m, probes, Options{Dense: dense})
}

// BuildOptions is Build with strategy options.
func BuildOptions(p *ir.Program, m Mode, probes int, o Options) *Plan {
	pl := &Plan{Mode: m, Prog: p, Width: p.Dim(), dense: o.Dense, opt: o}
	if m == Hutch || m == HutchRev {
		pl.Width = probes
	}
	n := len(p.Nodes)
	pl.Nodes = make([]*Node, n)
	for i, nd := range p.Nodes {
		pl.Nodes[i] = &Node{Node: nd, Size: nd.Shape.Size(), Base: -1}
	}
	pl.lzero()
	if m == Values {
		return pl
	}
	pl.needJ()
	pl.kinds()
	if !o.NoShift {
		pl.shift()
	}
	if m.IsReverse() {
		pl.cotangentForms()
	}
	pl.describe()
	return pl
}

// Consumers returns, for every node, the nodes that read it.
func (pl *Plan) Consumers() [][]int {
	out := make([][]int, len(pl.Nodes))
	for _, n := range pl.Nodes {
		for _, in := range n.Inputs {
			out[in] = append(out[in], n.ID)
		}
	}
	return out
}

// lzero marks nodes whose Laplacian vector is identically zero: the input,
// and linear maps of zero-ℓ nodes. An activation with σ″ ≡ 0 (identity)
// of a zero-ℓ node stays zero.
func (pl *Plan) lzero() {
	for _, n := range pl.Nodes {
		switch n.Op {
		case ir.OpInput:
			n.LZero = true
		case ir.OpAct:
			n.LZero = n.Act == ir.Identity && pl.Nodes[n.Inputs[0]].LZero
		default:
			n.LZero = true
			for _, in := range n.Inputs {
				n.LZero = n.LZero && pl.Nodes[in].LZero
			}
		}
	}
}

// needJ marks the nodes whose Jacobian is needed: inputs of activations
// with σ″ ≢ 0, and, through linear maps, their ancestors.
func (pl *Plan) needJ() {
	for i := len(pl.Nodes) - 1; i >= 1; i-- {
		n := pl.Nodes[i]
		if n.Op == ir.OpAct {
			if n.Act != ir.Identity {
				pl.Nodes[n.Inputs[0]].NeedJ = true
			}
			if n.NeedJ {
				pl.Nodes[n.Inputs[0]].NeedJ = true
			}
			continue
		}
		if n.NeedJ {
			for _, in := range n.Inputs {
				pl.Nodes[in].NeedJ = true
			}
		}
	}
}

func (pl *Plan) hutch() bool { return pl.Mode == Hutch || pl.Mode == HutchRev || pl.dense }

// ensureRows makes node i carry its Jacobian as rows.
func (pl *Plan) ensureRows(i int) {
	n := pl.Nodes[i]
	if n.Kind == Gram {
		panic(fmt.Sprintf("plan: node %d: Gram Jacobian cannot become rows", i))
	}
	n.Rows = true
}

// kinds assigns Jacobian representations in topological order.
func (pl *Plan) kinds() {
	in0 := pl.Nodes[0]
	if in0.NeedJ {
		in0.Kind = Identity
		if pl.hutch() {
			in0.Kind, in0.Rows = Rows, true
		}
	}
	for _, n := range pl.Nodes[1:] {
		if !n.NeedJ {
			continue
		}
		in := pl.Nodes[n.Inputs[0]]
		switch n.Op {
		case ir.OpDense:
			switch {
			case in.Kind == Identity:
				n.Kind = Shared
			case in.Kind == Scaled && !in.Rows:
				if pl.Mode == Laplacian && pl.gramCheaper(n) {
					n.Kind = Gram
				} else {
					n.Kind, n.Rows, n.RowsFromScaled = Rows, true, true
				}
			case in.Kind == Gram:
				n.Kind = Gram
			default:
				pl.ensureRows(in.ID)
				n.Kind, n.Rows = Rows, true
			}
		case ir.OpConv:
			switch {
			case in.Kind == Identity:
				n.Kind, n.Window = ConvShared, kern.KernelWindow(n.K1, n.K2)
			case in.Kind == RF && !in.Rows:
				s := in.Shape
				n.Kind, n.Window = RF, in.Window.Grow(n.K1, n.K2, s.L1, s.L2)
			default:
				pl.ensureRows(in.ID)
				n.Kind, n.Rows = Rows, true
			}
		case ir.OpAct:
			switch in.Kind {
			case Shared:
				n.Kind, n.Base = Scaled, in.ID
			case ConvShared, RF:
				if in.Rows {
					n.Kind, n.Rows = Rows, true
				} else {
					n.Kind, n.Window = RF, in.Window
				}
			case Gram:
				n.Kind = Gram
			default:
				pl.ensureRows(in.ID)
				n.Kind, n.Rows = Rows, true
			}
		case ir.OpPool, ir.OpSum, ir.OpMean:
			if in.Kind == RF && !in.Rows {
				n.Kind, n.Rows = Rows, true
				break
			}
			pl.ensureRows(in.ID)
			n.Kind, n.Rows = Rows, true
		default: // add, scale
			for _, j := range n.Inputs {
				pl.ensureRows(j)
			}
			n.Kind, n.Rows = Rows, true
		}
	}
	// A node converted to rows after its consumers were planned (a later
	// consumer needed rows) keeps its kind for the consumers planned
	// before. Re-plan until stable so every consumer sees the final form.
	for changed := true; changed; {
		changed = false
		for _, n := range pl.Nodes[1:] {
			if !n.NeedJ || len(n.Inputs) == 0 {
				continue
			}
			in := pl.Nodes[n.Inputs[0]]
			if !in.Rows {
				continue
			}
			switch {
			case n.Op == ir.OpDense && n.RowsFromScaled:
				n.RowsFromScaled = false
				changed = true
			case n.Op == ir.OpConv && n.Kind == RF:
				n.Kind, n.Rows = Rows, true
				changed = true
			case n.Op == ir.OpAct && (n.Kind == RF || n.Kind == Scaled):
				n.Kind, n.Rows, n.Base = Rows, true, -1
				changed = true
			case (n.Op == ir.OpPool || n.Op == ir.OpSum || n.Op == ir.OpMean) && n.Kind == Rows:
				// already rows
			}
		}
	}
}

// gramCheaper compares, for the chain of dense and activation layers that
// starts at the dense node n (whose input is Scaled), the cost of
// propagating per-sample Gram matrices against Jacobian rows. It returns
// false when anything downstream would need Jacobian rows.
func (pl *Plan) gramCheaper(n *Node) bool {
	cons := pl.Consumers()
	D := float64(pl.Width)
	var rows, gram float64
	cur := n
	for {
		in := float64(pl.Nodes[cur.Inputs[0]].Size)
		out := float64(cur.Size)
		if cur.Op == ir.OpDense {
			rows += out * in * D
			gram += in*in*out + out*out*in
		}
		var next *Node
		for _, c := range cons[cur.ID] {
			if pl.Nodes[c].NeedJ {
				if next != nil {
					return false
				}
				next = pl.Nodes[c]
			}
		}
		if next == nil {
			break
		}
		if next.Op != ir.OpDense && next.Op != ir.OpAct {
			return false
		}
		cur = next
	}
	return gram < rows
}

// cotangentForms decides, for the reverse sweep, in which forms each
// node's Jacobian cotangent J̄ exists.
func (pl *Plan) cotangentForms() {
	for i := len(pl.Nodes) - 1; i >= 1; i-- {
		n := pl.Nodes[i]
		if !n.NeedJ && n.Op != ir.OpAct {
			continue
		}
		in := pl.Nodes[n.Inputs[0]]
		switch n.Op {
		case ir.OpAct:
			if !in.NeedJ || in.Kind == Identity {
				continue
			}
			switch {
			case in.Kind == Shared && !in.Rows:
				in.JBCoef = true
				if n.JBRows {
					in.JBRows = true
				}
			case in.Kind == ConvShared && !in.Rows && !n.JBRF && !n.JBRows:
				// J̄ = diag(2σ″ℓ̄)·(kernel): kept as coefficients, the
				// kernel gradient is diag(Σ coefficients)·W.
				in.JBCoef = true
			case in.Kind == ConvShared || in.Kind == RF || in.Kind == ShiftRF:
				in.JBRF = true
				if in.Rows {
					in.JBRows = true
				}
			default:
				in.JBRows = true
			}
		case ir.OpDense:
			if in.Kind == Identity {
				continue
			}
			if n.JBRows {
				in.JBRows = true
			}
		case ir.OpConv:
			if in.Kind == Identity {
				continue
			}
			if n.Kind == ShiftRF {
				in.JBShift = true
			} else if n.Kind == RF {
				in.JBRF = true
			} else if n.JBRows {
				in.JBRows = true
			}
		case ir.OpPool, ir.OpSum, ir.OpMean:
			if in.Kind == RF && !in.Rows {
				in.JBRF = true
			} else if n.JBRows {
				in.JBRows = true
			}
		default:
			if n.JBRows {
				for _, j := range n.Inputs {
					if pl.Nodes[j].Kind != Identity {
						pl.Nodes[j].JBRows = true
					}
				}
			}
		}
		// Row cotangents of a node that also has a special form are folded
		// into the special form.
		if in.JBRows && (in.Kind == ConvShared || in.Kind == RF) {
			in.JBRF = true
		}
	}
}

func (pl *Plan) describe() {
	for _, n := range pl.Nodes {
		switch n.Kind {
		case None:
			n.Strategy = "no Jacobian needed"
		case Identity:
			n.Strategy = "J = I (not materialised)"
		case Shared:
			n.Strategy = "closed form: J = W shared by all samples, ‖W_j‖² refreshed by Sync"
		case Scaled:
			n.Strategy = "closed form: J_b = diag(σ′(a_b))·W, never materialised"
		case Rows:
			if n.RowsFromScaled {
				n.Strategy = fmt.Sprintf("forward Laplacian: per-sample GEMM J_b = Wᵀ_prev·diag(d_b)·Wᵀ into %d tangent rows", pl.Width)
			} else {
				n.Strategy = fmt.Sprintf("forward Laplacian: %d tangent rows per sample, GEMM over the batch", pl.Width)
			}
		case ConvShared:
			n.Strategy = fmt.Sprintf("closed form: J = kernel on its %d×%d window, shared by all sites and samples", n.Window.R1, n.Window.R2)
		case RF:
			n.Strategy = fmt.Sprintf("receptive-field Jacobian: %d×%d window per site (not %d wide)", n.Window.R1, n.Window.R2, pl.Width)
		case Gram:
			n.Strategy = "Gram matrices J·Jᵀ per sample (cheaper than rows by the cost model)"
		case ConvScaled:
			n.Strategy = "closed form: J = diag(σ′)·kernel, kept as σ′ for the shifted-kernel GEMM downstream"
		case ShiftRF:
			in := pl.Nodes[n.Inputs[0]].Shape
			n.Strategy = fmt.Sprintf("receptive-field Jacobian on its %d×%d window: one GEMM (B·%d×%d)·(%d×%d) of σ′'s im2col with the weighted shifted first-layer kernels packed by Sync",
				n.Window.R1, n.Window.R2, n.Shape.Sites(), in.C*n.K1*n.K2, in.C*n.K1*n.K2, n.Out*n.Window.Size())
		}
		if n.Rows && n.Kind != Rows {
			n.Strategy += "; also materialised as rows"
		}
	}
}

// Cost returns the flop count per sample of the Jacobian products in this
// plan (Jacobian rows, receptive-field and Gram products; in a reverse mode
// the receptive-field products count three times: forward, input cotangent
// and weight gradient). Benchmarks divide it by the time of a call to
// report the rate.
func (pl *Plan) Cost() float64 {
	var c float64
	W := float64(pl.Width)
	for _, n := range pl.Nodes {
		if n.Kind == None || len(n.Inputs) == 0 {
			continue
		}
		in := float64(pl.Nodes[n.Inputs[0]].Size)
		out := float64(n.Size)
		switch n.Kind {
		case Rows:
			if n.Op == ir.OpDense || n.Op == ir.OpConv {
				k := in
				if n.Op == ir.OpConv {
					k = float64(pl.Nodes[n.Inputs[0]].Shape.C * n.K1 * n.K2)
				}
				c += 2 * out * k * W
			}
		case RF, ShiftRF:
			if n.Op == ir.OpConv {
				// RF: (sites·window) × (Cin·K²) by (Cin·K²) × Cout; ShiftRF:
				// sites × (Cin·K²) by (Cin·K²) × (Cout·window). The same
				// flops; the reverse sweep adds two products of that size
				// (the input cotangent and the weight gradient).
				f := 2 * out * float64(pl.Nodes[n.Inputs[0]].Shape.C*n.K1*n.K2) * float64(n.Window.Size())
				if pl.Mode.IsReverse() {
					f *= 3
				}
				c += f
			}
		case Gram:
			if n.Op == ir.OpDense {
				c += 2 * (in*in*out + out*out*in)
			}
		}
	}
	return c
}

// shift turns the receptive-field Jacobian of a convolution of an activation
// of a convolution of the (one-channel) input into shifted-kernel GEMMs
// (ShiftRF, with the activation ConvScaled) where that is valid and
// cheaper: the activation feeds nothing but this convolution, and nothing
// reads the convolution's Jacobian except the row norms of activations
// (whose own Jacobians nobody needs), so the Jacobian's layout — one row
// per output element — stays private to the pair.
func (pl *Plan) shift() {
	if pl.hutch() || pl.Nodes[0].Shape.C != 1 {
		return
	}
	cons := pl.Consumers()
	for _, n := range pl.Nodes {
		if n.Op != ir.OpConv || n.Kind != RF || n.Rows {
			continue
		}
		h := pl.Nodes[n.Inputs[0]]
		if h.Op != ir.OpAct || h.Kind != RF || h.Rows || len(cons[h.ID]) != 1 {
			continue
		}
		c := pl.Nodes[h.Inputs[0]]
		if c.Kind != ConvShared || c.Rows {
			continue
		}
		private := true
		for _, j := range cons[n.ID] {
			if pl.Nodes[j].NeedJ {
				private = false
			}
		}
		if !private || !shiftCheaper(n, h) {
			continue
		}
		n.Kind, h.Kind = ShiftRF, ConvScaled
	}
}

// shiftCheaper compares the data the two strategies for the convolution n
// of h move per sample, at equal flops (see Cost) and equal output (the
// window Jacobian of every output element): RF stores h's window Jacobians
// (sites·Ri·Cin) and gathers them into a (sites·Ro)×(Cin·K²) patch matrix;
// ShiftRF gathers σ′ into a sites×(Cin·K²) patch matrix.
func shiftCheaper(n, h *Node) bool {
	s := h.Shape
	ck := s.C * n.K1 * n.K2
	rf := s.Sites() * (h.Window.Size()*s.C + n.Window.Size()*ck)
	sh := s.Sites() * ck
	return sh < rf
}
