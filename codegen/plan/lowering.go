package plan

import "github.com/mafc-dev/mafc/ir"

// Lowering is how a convolution's values (and its Jacobian rows, where
// they exist) are computed.
type Lowering int

// The lowerings. The Jacobian strategy of a convolution (Kind: conv-shared,
// receptive-field, shifted-kernel) is chosen per mode on top of this.
const (
	NotConv   Lowering = iota // not a convolution
	Im2col                    // im2col patches times the kernel matrix, one GEMM
	Circulant                 // one dense GEMM with the circulant matrix
	Direct                    // by tap orbits: one GEMM of the input, then row sums (kern.DirectSum)
	Gather                    // one input channel by tap orbits: orbit sums of the input (kern.GatherOrbits), then one GEMM
)

func (l Lowering) String() string {
	return [...]string{"-", "im2col", "circulant", "direct", "gather"}[l]
}

// lowerings chooses every convolution's lowering: a convolution of the
// input whose kernel spans the whole lattice is a dense product with its
// circulant matrix, where im2col would copy every input once per site and
// the circulant GEMM costs the same flops with none of the copying; a
// convolution of at least two channels whose kernel is tied goes direct
// by its T < K orbits of taps (runtime/kern/convdirect.go: a GEMM of
// 2·Cin·T·Cout flops per site and K·Cout adds, against im2col's K·Cin
// copies and 2·K·Cin·Cout flops); a convolution of a one-channel field
// whose kernel is tied sums the field over each orbit first (K adds per
// site, runtime/kern/convgather.go) and multiplies the T orbit sums by the
// kernel's orbit entries, where im2col would copy K values per site for a
// product of depth K; any other convolution goes through im2col.
func lowerings(p *ir.Program) []Lowering {
	out := make([]Lowering, len(p.Nodes))
	s := p.Nodes[0].Shape
	for i, n := range p.Nodes {
		switch {
		case n.Op != ir.OpConv:
		case n.Inputs[0] == 0 && n.K1 == s.L1 && n.K2 == s.L2:
			out[i] = Circulant
		case directCheaper(p, n):
			out[i] = Direct
		case gathers(p, n):
			out[i] = Gather
		default:
			out[i] = Im2col
		}
	}
	return out
}

// directCheaper reports whether the convolution n goes direct: its kernel
// is tied (fewer orbits than taps), its input has at least two channels
// (with one, im2col's patch matrix is the kernel window itself), and the
// direct form counts fewer operations.
func directCheaper(p *ir.Program, n *ir.Node) bool {
	_, T := KernelOrbits(n)
	K, cin, cout := n.K1*n.K2, p.Nodes[n.Inputs[0]].Shape.C, n.Out
	if T >= K || cin < 2 {
		return false
	}
	return 2*cin*T*cout+K*cout < 2*K*cin*cout+K*cin
}

// gathers reports whether the convolution n goes by orbit sums of its
// input: one input channel and a tied kernel (fewer orbits than taps).
func gathers(p *ir.Program, n *ir.Node) bool {
	_, T := KernelOrbits(n)
	return p.Nodes[n.Inputs[0]].Shape.C == 1 && T < n.K1*n.K2
}

// DirectWidth returns the width T·Cout of the direct convolution n's
// product Z (and of its Ωᵀ's rows).
func DirectWidth(n *ir.Node) int {
	_, T := KernelOrbits(n)
	return T * n.Out
}

// saveNode returns the first dense layer of the input whose outputs
// W·x + b the reverse mode can take from a LaplacianSave at the same x
// instead of recomputing them (0 when there is none): a GEMM product (more
// than one output) in a model that averages no symmetry orbit (group order
// 1).
func saveNode(p *ir.Program, group int) int {
	if group > 1 {
		return 0
	}
	for _, n := range p.Nodes {
		if n.Op == ir.OpDense && len(n.Inputs) == 1 && n.Inputs[0] == 0 && n.Out > 1 {
			return n.ID
		}
	}
	return 0
}

// liteAct returns the activation whose values feed nothing but φ through
// value-linear nodes (dense layers, sums, means, pools over sites, scales
// and additions: φ = w·h, or φ = w·mean(h) + …), or 0; of several, the
// largest. The modes without φ's value (Grad, Laplacian and Hutchinson
// without φ, the reverse modes without c) need none of its values, only
// its derivatives: they zero the value rows instead of evaluating σ (for
// ln cosh and softplus that drops the logarithm). The linear nodes after
// it then compute values from zeros, which nothing reads: their
// derivatives do not depend on their inputs' values, and where a dense
// layer's parameter gradient pairs them with value cotangents those are
// zero (c = 0).
func liteAct(p *ir.Program) int {
	linear := func(n *ir.Node) bool {
		switch n.Op {
		case ir.OpDense, ir.OpAdd, ir.OpScale, ir.OpSum, ir.OpMean, ir.OpPool:
			return true
		}
		return false
	}
	best := 0
	for _, h := range p.Nodes {
		if h.Op != ir.OpAct || (best != 0 && h.Shape.Size() <= p.Nodes[best].Shape.Size()) {
			continue
		}
		// every node that depends on h (they follow it in topological
		// order) must be value-linear, and φ must be one of them
		dep := map[int]bool{h.ID: true}
		ok := true
		for _, n := range p.Nodes[h.ID+1:] {
			for _, in := range n.Inputs {
				if dep[in] {
					dep[n.ID] = true
				}
			}
			if dep[n.ID] && !linear(n) {
				ok = false
				break
			}
		}
		if ok && dep[p.Output] {
			best = h.ID
		}
	}
	return best
}
