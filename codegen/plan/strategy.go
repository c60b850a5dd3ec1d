package plan

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
)

// The strategy choice: which Jacobian representation (Kind) every node
// takes in one mode, and in which forms its cotangent exists.

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

// kinds assigns Jacobian representations in topological order, then
// settles the consumers of nodes that became rows later.
func (pl *Plan) kinds() {
	in0 := pl.Nodes[0]
	if in0.NeedJ {
		in0.Kind = Identity
		if pl.hutch() {
			in0.Kind, in0.Rows = Rows, true
		}
	}
	for _, n := range pl.Nodes[1:] {
		if n.NeedJ {
			pl.kind(n)
		}
	}
	pl.settle()
}

// kind assigns the Jacobian representation of node n from its inputs'.
func (pl *Plan) kind(n *Node) {
	in := pl.Nodes[n.Inputs[0]]
	switch n.Op {
	case ir.OpDense:
		pl.denseKind(n, in)
	case ir.OpConv:
		pl.convKind(n, in)
	case ir.OpAct:
		pl.actKind(n, in)
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

// denseKind assigns the representation of the dense node n with input in:
// the weight itself behind the input, Gram matrices or rows from a scaled
// input behind an activation of such a layer, rows otherwise.
func (pl *Plan) denseKind(n, in *Node) {
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
}

// convKind assigns the representation of the convolution n with input in:
// the shared kernel behind the input, a grown receptive field behind one,
// rows otherwise.
func (pl *Plan) convKind(n, in *Node) {
	switch {
	case in.Kind == Identity:
		n.Kind, n.Window = ConvShared, ir.KernelWindow(n.K1, n.K2)
	case in.Kind == RF && !in.Rows:
		s := in.Shape
		n.Kind, n.Window = RF, in.Window.Grow(n.K1, n.K2, s.L1, s.L2)
	default:
		pl.ensureRows(in.ID)
		n.Kind, n.Rows = Rows, true
	}
}

// actKind assigns the representation of the activation n with input in:
// its input's form scaled by σ′ where one exists, rows otherwise.
func (pl *Plan) actKind(n, in *Node) {
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
}

// settle re-plans the consumers of nodes converted to rows after those
// consumers were planned (a later consumer needed rows): such a consumer
// kept the kind it chose for the old form. It repeats until stable so
// every consumer sees the final form.
func (pl *Plan) settle() {
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
			case in.Kind == Factored:
				// J̄ = diag(2σ″ℓ̄)·J, kept as the coefficients (the E
				// buffer); the convolution rebuilds J where it needs it.
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
			if n.Kind == ShiftRF || n.Kind == Factored {
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
			n.Strategy = "closed form: J = diag(σ′)·kernel, kept as σ′ for the shifted-kernel or orbit-factored Jacobian downstream"
		case Factored:
			f := factorShape(pl.Prog, n.Node, n.Window)
			n.Strategy = fmt.Sprintf("receptive-field Jacobian on its %d×%d window, kernels factored by their orbits (%d and %d): one GEMM (B·%d×%d)·(%d×%d) of σ′ with the orbit products packed by Sync, then %d sparse adds per site and channel; only the row norms are kept",
				n.Window.R1, n.Window.R2, f.O, f.T, f.Sites, f.Cin, f.Cin, f.Width(), f.AddsPerRow)
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

// shift turns the receptive-field Jacobian of a convolution of an activation
// of a convolution of the (one-channel) input into shifted-kernel GEMMs
// (ShiftRF, with the activation ConvScaled) where that is valid and
// cheaper: the activation feeds nothing but this convolution, and nothing
// reads the convolution's Jacobian except the row norms of activations
// (whose own Jacobians nobody needs), so the Jacobian's layout — one row
// per output element — stays private to the pair. Such a convolution is
// then orbit-factored (Factored) where that takes fewer flops, no more
// memory, and one activation reads it (see factorCheaper).
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
		if !pl.opt.NoFactor && pl.factorCheaper(n, cons[n.ID]) {
			n.Kind = Factored
		}
	}
}

// shiftCheaper compares the data the two strategies for the convolution n
// of h move per sample, at equal flops (see Flops) and equal output (the
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
