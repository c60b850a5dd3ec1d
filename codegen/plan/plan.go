// Package plan makes every decision about a potential's generated code
// before any of it is printed: for every node and evaluation mode how its
// Jacobian is represented (strategy.go), how each convolution is lowered,
// which outputs are saved and which activations run without their values
// (lowering.go), the chunk sizes and the workspace layout with every
// buffer's size (workspace.go, memory.go), and the FLOP count (cost.go). A
// [Model] holds all of it; the emitter only prints it, the limits and
// benchmarks read their estimates from it, and mafc gen -dump=plan prints it
// (dump.go).
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
//	Factored    a ShiftRF convolution with the kernels factored by their
//	            orbits of tied offsets (untied: one orbit per offset): one
//	            GEMM of σ′ (M × Cin) with the constant Cin × T·O·Cout matrix of
//	            products of the kernels' orbit entries, then a fixed sparse
//	            map to each site's window; only the row norms are kept
//	            (the Jacobian cotangent is held as their coefficients,
//	            JBCoef). Chosen where it needs fewer flops than ShiftRF and
//	            no more memory (see factorCheaper and
//	            runtime/kern/convfactor.go)
//
// The reverse mode differentiates G = c·φ + uᵀ∇φ + s·Δφ through exactly the
// forward computation: uᵀ∇φ is the output's tangent row, so the cotangent
// stacks are seeded with (c, s, 1) on the value, Laplacian and tangent rows.
package plan

import (
	"github.com/mafc-dev/mafc/ir"
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

// IsReverse reports whether the mode runs a reverse sweep.
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
	Factored
)

func (k Kind) String() string {
	return [...]string{"none", "identity", "shared", "scaled", "rows", "conv-shared", "receptive-field", "gram", "conv-scaled", "shifted-kernel", "orbit-factored"}[k]
}

// Node is the plan of one IR node in one mode.
type Node struct {
	*ir.Node
	Size   int
	LZero  bool // ℓ ≡ 0 (no Laplacian rows are read)
	NeedJ  bool // the Jacobian is needed (for a row norm downstream)
	Kind   Kind
	Rows   bool      // J is (also) materialised as rows
	Window ir.Window // ConvShared and RF: the receptive field
	// Base is, for Scaled, the Shared node whose weight is M.
	Base int
	// RowsFromScaled: a dense layer of a Scaled node computed by per-sample
	// GEMMs J_b = Mᵀ·(diag(d_b)·Wᵀ) (tangent-major).
	RowsFromScaled bool
	// Reverse mode: forms of the Jacobian cotangent. JBShift (ConvScaled):
	// the cotangent is held only as its contraction with the kernel, the
	// cotangent of σ′ (the ShiftRF or Factored consumer adds the kernel
	// gradient). JBCoef of a Factored convolution: J̄ = diag(e)·J, held as
	// the coefficients e of its row norms.
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
	// NoFactor keeps the shifted-kernel GEMMs (ShiftRF) where the
	// orbit-factored Jacobian (Factored) would be chosen: the baseline the
	// factored strategy is compared against.
	NoFactor bool
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
