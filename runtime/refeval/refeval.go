// Package refeval is the reference evaluator of mafc's IR: a deliberately
// simple, obviously correct float64 implementation of φ, ∇φ, Δφ and their
// reverse mode for one input at a time. It is the oracle that every emitted
// kernel is tested against; it is slow on purpose (dense Jacobians, plain
// loops, no strategies).
//
// # Method
//
// The forward pass carries, for every node value h, its Jacobian J = ∂h/∂x
// (a dense size(h)×D matrix) and its Laplacian vector ℓ = Δh (the
// forward-Laplacian method; Li et al., Nature Machine Intelligence 2024):
//
//	input      h = x,            J = I,            ℓ = 0
//	linear     a = L h + b,      J_a = L J,        ℓ_a = L ℓ
//	activation y = σ(a),         J_y = σ′(a)⊙J_a,  ℓ_y = σ′(a)⊙ℓ_a + σ″(a)⊙‖J_a‖²_rows
//
// where "linear" covers dense layers, periodic convolutions, sums, means,
// pools, scalings and residual additions. At the scalar output,
// φ = h, ∇φ = J (one row) and Δφ = ℓ.
//
// The reverse mode differentiates G = c·φ + uᵀ∇φ + s·Δφ through exactly
// that computation. With cotangents (h̄, J̄, ℓ̄) for every node, seeded at the
// output by (c, uᵀ, s):
//
//	linear     h̄ += Lᵀ ā,  J̄ += Lᵀ J̄_a,  ℓ̄ += Lᵀ ℓ̄_a,
//	           W̄ += ā hᵀ + J̄_a Jᵀ + ℓ̄_a ℓᵀ (through the linear map's weights), b̄ += ā
//	activation ā = σ′ ȳ + σ″ rowdot(J̄_y, J_a) + (σ″ ℓ_a + σ‴ ‖J_a‖²) ℓ̄_y
//	           J̄_a = σ′ J̄_y + 2 σ″ ℓ̄_y J_a,  ℓ̄_a = σ′ ℓ̄_y
//	input      ∂G/∂x = h̄
//
// Layers with time terms (a time-dependent φ(x, t), t set by SetTime) are
// linear layers followed by a per-channel gate and shift; see time.go.
//
// Declared symmetries implemented by orbit averaging are applied on top:
// φ(x) = (1/|G|) Σ_g f(g·x), ∇φ = (1/|G|) Σ_g gᵀ∇f(g·x), Δφ = (1/|G|) Σ_g Δf(g·x).
package refeval

import (
	"github.com/mafc-dev/mafc/ir"
)

// Evaluator evaluates one program. It is not safe for concurrent use.
type Evaluator struct {
	p     *ir.Program
	D     int
	elems []ir.Transform // orbit-average elements (identity only if none)

	orbits     map[int][]int // tied convolutions: kernel offset → weight index
	v, l, J    [][]float64   // per node: value, Laplacian vector, Jacobian (size×D)
	vb, lb, Jb [][]float64   // cotangents
	gx, gu     []float64
	t          float64            // the time of a time-dependent program (SetTime)
	pre        map[int]*timeState // gated nodes' values before the gate
}

// New returns an evaluator for p.
func New(p *ir.Program) *Evaluator {
	e := &Evaluator{p: p, D: p.Dim()}
	var groups []ir.Group
	for _, s := range p.Averaged() {
		groups = append(groups, s.Group)
	}
	e.elems = ir.ProductElements(groups, p.InputShape())
	n := len(p.Nodes)
	e.v, e.l, e.J = make([][]float64, n), make([][]float64, n), make([][]float64, n)
	e.vb, e.lb, e.Jb = make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for i, nd := range p.Nodes {
		sz := nd.Shape.Size()
		e.v[i], e.l[i], e.J[i] = make([]float64, sz), make([]float64, sz), make([]float64, sz*e.D)
		e.vb[i], e.lb[i], e.Jb[i] = make([]float64, sz), make([]float64, sz), make([]float64, sz*e.D)
	}
	e.gx, e.gu = make([]float64, e.D), make([]float64, e.D)
	e.orbits = map[int][]int{}
	e.pre = map[int]*timeState{}
	for _, nd := range p.Nodes {
		if nd.Op == ir.OpConv && nd.Tie != "" {
			e.orbits[nd.ID], _ = ir.KernelOrbits(nd.Tie, nd.K1)
		}
	}
	return e
}

// weightTaps calls tap for every term of the dense or convolution layer n,
// in a fixed order: for a dense layer output o, input i; for a periodic
// convolution output site and channel co, input channel ci, kernel offset
// (di, dj). dst and src are the offsets of the output and input values
// (each a run of stride numbers) and wi the index in θ of the weight.
func (e *Evaluator) weightTaps(n *ir.Node, stride int, tap func(dst, src, wi int)) {
	if n.Op == ir.OpDense {
		W := e.p.Params[n.W]
		nin := W.Shape[1]
		for o := 0; o < n.Out; o++ {
			for i := 0; i < nin; i++ {
				tap(o*stride, i*stride, W.Offset+o*nin+i)
			}
		}
		return
	}
	s := e.p.Nodes[n.Inputs[0]].Shape
	for r := 0; r < s.L1; r++ {
		for c := 0; c < s.L2; c++ {
			for co := 0; co < n.Out; co++ {
				dst := ((r*s.L2+c)*n.Out + co) * stride
				for ci := 0; ci < s.C; ci++ {
					for di := 0; di < n.K1; di++ {
						for dj := 0; dj < n.K2; dj++ {
							rr := mod(r+di-(n.K1-1)/2, s.L1)
							cc := mod(c+dj-(n.K2-1)/2, s.L2)
							src := ((rr*s.L2+cc)*s.C + ci) * stride
							tap(dst, src, e.convWeight(n, s.C, co, ci, di, dj))
						}
					}
				}
			}
		}
	}
}

// poolFactor returns the factor of a pool over the sites of a field of
// shape s: 1/sites for a mean pool, 1 for a sum pool.
func poolFactor(n *ir.Node, s ir.Shape) float64 {
	if n.Mean {
		return 1 / float64(s.Sites())
	}
	return 1
}

// convWeight returns the index in θ of the weight W[co, ci, di, dj] of a
// convolution: W is stored in full (Cout×Cin×K1×K2) or, for a tied kernel,
// one number per orbit of offsets (Cout×Cin×R).
func (e *Evaluator) convWeight(n *ir.Node, cin, co, ci, di, dj int) int {
	W := e.p.Params[n.W]
	if orb, ok := e.orbits[n.ID]; ok {
		r := W.Shape[2]
		return W.Offset + (co*cin+ci)*r + orb[di*n.K2+dj]
	}
	return W.Offset + ((co*cin+ci)*n.K1+di)*n.K2 + dj
}

// Eval returns φ(x), writes ∇φ(x) to grad (if non-nil) and returns Δφ(x).
// theta is the flat parameter vector.
func (e *Evaluator) Eval(theta, x, grad []float64) (phi, lap float64) {
	e.check(theta, x)
	if grad != nil {
		clear(grad)
	}
	w := 1 / float64(len(e.elems))
	for _, g := range e.elems {
		g.Apply(e.gx, x)
		f, l := e.forward(theta, e.gx)
		phi += w * f
		lap += w * l
		if grad != nil {
			// ∇(f∘g)(x) = gᵀ ∇f(g·x)
			g.ApplyT(e.gu, e.J[e.p.Output])
			for i := range grad {
				grad[i] += w * e.gu[i]
			}
		}
	}
	return phi, lap
}

// Phi returns φ(x) alone, without derivatives (for finite differences).
func (e *Evaluator) Phi(theta, x []float64) float64 {
	e.check(theta, x)
	w := 1 / float64(len(e.elems))
	var phi float64
	for _, g := range e.elems {
		g.Apply(e.gx, x)
		f, _ := e.forwardFull(theta, e.gx, false)
		phi += w * f
	}
	return phi
}

// Reverse computes the derivatives of G = c·φ(x) + uᵀ∇φ(x) + s·Δφ(x): it
// writes ∂G/∂x to dx and adds ∂G/∂θ to dtheta.
func (e *Evaluator) Reverse(theta, x []float64, c float64, u []float64, s float64, dx, dtheta []float64) {
	e.check(theta, x)
	if len(u) != e.D || len(dx) != e.D || len(dtheta) != len(theta) {
		panic("refeval: bad lengths")
	}
	clear(dx)
	w := 1 / float64(len(e.elems))
	tmp := make([]float64, e.D)
	for _, g := range e.elems {
		g.Apply(e.gx, x)
		e.forward(theta, e.gx)
		// uᵀ gᵀ ∇f(gx) = (g u)ᵀ ∇f(gx)
		g.Apply(e.gu, u)
		for i := range e.gu {
			e.gu[i] *= w
		}
		e.backward(theta, w*c, e.gu, w*s, dtheta)
		// ∂/∂x of f(g x) = gᵀ (∂/∂(gx))
		g.ApplyT(tmp, e.vb[0])
		for i := range dx {
			dx[i] += tmp[i]
		}
	}
}

func (e *Evaluator) check(theta, x []float64) {
	if len(theta) != e.p.NumParams() {
		panic("refeval: len(theta) != NumParams")
	}
	if len(x) != e.D {
		panic("refeval: len(x) != Dim")
	}
}

// forward runs the forward-Laplacian pass on one (transformed) input and
// returns f and Δf; ∇f is e.J[output].
func (e *Evaluator) forward(theta, x []float64) (f, lap float64) {
	return e.forwardFull(theta, x, true)
}

// forwardFull is forward; with full false it computes values only.
func (e *Evaluator) forwardFull(theta, x []float64, full bool) (f, lap float64) {
	D := e.D
	for i, n := range e.p.Nodes {
		v, l, J := e.v[i], e.l[i], e.J[i]
		switch n.Op {
		case ir.OpInput:
			copy(v, x)
			if !full {
				continue
			}
			clear(l)
			clear(J)
			for k := 0; k < D; k++ {
				J[k*D+k] = 1
			}
		case ir.OpAct:
			a, la, Ja := e.v[n.Inputs[0]], e.l[n.Inputs[0]], e.J[n.Inputs[0]]
			if !full {
				for j := range v {
					v[j], _, _, _ = n.Act.Eval(a[j])
				}
				continue
			}
			for j := range v {
				s0, s1, s2, _ := n.Act.Eval(a[j])
				q := 0.0
				for k := 0; k < D; k++ {
					q += Ja[j*D+k] * Ja[j*D+k]
					J[j*D+k] = s1 * Ja[j*D+k]
				}
				v[j] = s0
				l[j] = s1*la[j] + s2*q
			}
		default:
			// A linear node: apply it to the value, every Jacobian column and ℓ.
			e.linear(theta, n, v, 1, true)
			if full {
				e.linear(theta, n, J, D, false)
				e.linear(theta, n, l, 1, false)
			}
			e.timeForward(theta, n, full)
		}
	}
	o := e.p.Output
	return e.v[o][0], e.l[o][0]
}

// pick returns the stacked buffer of node idx that a linear node reads:
// its values (value), its Jacobian J (stride > 1 columns) or its ℓ.
func (e *Evaluator) pick(idx int, stride int, value bool) []float64 {
	switch {
	case value:
		return e.v[idx]
	case stride > 1:
		return e.J[idx]
	}
	return e.l[idx]
}

// linear applies the linear node n to its input columns: out = L·in (+ b
// when addBias), where every "column" k < stride is processed.
func (e *Evaluator) linear(theta []float64, n *ir.Node, out []float64, stride int, addBias bool) {
	p := e.p
	in := e.pick(n.Inputs[0], stride, addBias)
	clear(out)
	switch n.Op {
	case ir.OpDense, ir.OpConv:
		e.weightTaps(n, stride, func(dst, src, wi int) {
			w := theta[wi]
			for k := 0; k < stride; k++ {
				out[dst+k] += w * in[src+k]
			}
		})
	case ir.OpAdd:
		in2 := e.pick(n.Inputs[1], stride, addBias)
		for i := range out {
			out[i] = in[i] + in2[i]
		}
	case ir.OpScale:
		for i := range out {
			out[i] = n.Scale * in[i]
		}
	case ir.OpSum, ir.OpMean:
		f := 1.0
		if n.Op == ir.OpMean {
			f = 1 / float64(len(in)/stride)
		}
		for i := 0; i < len(in)/stride; i++ {
			for k := 0; k < stride; k++ {
				out[k] += f * in[i*stride+k]
			}
		}
	case ir.OpPool:
		s := p.Nodes[n.Inputs[0]].Shape
		f := poolFactor(n, s)
		for site := 0; site < s.Sites(); site++ {
			for ch := 0; ch < s.C; ch++ {
				for k := 0; k < stride; k++ {
					out[ch*stride+k] += f * in[(site*s.C+ch)*stride+k]
				}
			}
		}
	default:
		panic("refeval: not a linear op: " + string(n.Op))
	}
	if addBias && n.B >= 0 {
		b := p.Params[n.B]
		nsites := n.Shape.Sites()
		for site := 0; site < nsites; site++ {
			for o := 0; o < n.Out; o++ {
				out[site*n.Out+o] += theta[b.Offset+o]
			}
		}
	}
}

// linearT accumulates the adjoint: inb += Lᵀ outb (per column), and the
// weight gradient dW += Σ_k outb[·,k] in[·,k].
func (e *Evaluator) linearT(theta []float64, n *ir.Node, outb []float64, stride int, which int, dtheta []float64) {
	p := e.p
	var inb, in []float64
	var inb2 []float64
	switch which {
	case 0:
		inb, in = e.vb[n.Inputs[0]], e.v[n.Inputs[0]]
	case 1:
		inb, in = e.Jb[n.Inputs[0]], e.J[n.Inputs[0]]
	default:
		inb, in = e.lb[n.Inputs[0]], e.l[n.Inputs[0]]
	}
	if n.Op == ir.OpAdd {
		switch which {
		case 0:
			inb2 = e.vb[n.Inputs[1]]
		case 1:
			inb2 = e.Jb[n.Inputs[1]]
		default:
			inb2 = e.lb[n.Inputs[1]]
		}
	}
	switch n.Op {
	case ir.OpDense, ir.OpConv:
		e.weightTaps(n, stride, func(dst, src, wi int) {
			w := theta[wi]
			var g float64
			for k := 0; k < stride; k++ {
				inb[src+k] += w * outb[dst+k]
				g += outb[dst+k] * in[src+k]
			}
			dtheta[wi] += g
		})
	case ir.OpAdd:
		for i := range outb {
			inb[i] += outb[i]
			inb2[i] += outb[i]
		}
	case ir.OpScale:
		for i := range outb {
			inb[i] += n.Scale * outb[i]
		}
	case ir.OpSum, ir.OpMean:
		f := 1.0
		if n.Op == ir.OpMean {
			f = 1 / float64(len(in)/stride)
		}
		for i := 0; i < len(in)/stride; i++ {
			for k := 0; k < stride; k++ {
				inb[i*stride+k] += f * outb[k]
			}
		}
	case ir.OpPool:
		s := p.Nodes[n.Inputs[0]].Shape
		f := poolFactor(n, s)
		for site := 0; site < s.Sites(); site++ {
			for ch := 0; ch < s.C; ch++ {
				for k := 0; k < stride; k++ {
					inb[(site*s.C+ch)*stride+k] += f * outb[ch*stride+k]
				}
			}
		}
	}
	if which == 0 && n.B >= 0 {
		b := p.Params[n.B]
		for site := 0; site < n.Shape.Sites(); site++ {
			for o := 0; o < n.Out; o++ {
				dtheta[b.Offset+o] += outb[site*n.Out+o]
			}
		}
	}
}

// backward runs the reverse sweep seeded with (c, uᵀ, s) at the output and
// adds ∂G/∂θ to dtheta; ∂G/∂x is left in e.vb[0].
func (e *Evaluator) backward(theta []float64, c float64, u []float64, s float64, dtheta []float64) {
	D := e.D
	for i := range e.p.Nodes {
		clear(e.vb[i])
		clear(e.lb[i])
		clear(e.Jb[i])
	}
	o := e.p.Output
	e.vb[o][0] = c
	copy(e.Jb[o], u)
	e.lb[o][0] = s
	for i := len(e.p.Nodes) - 1; i >= 1; i-- {
		n := e.p.Nodes[i]
		switch n.Op {
		case ir.OpAct:
			in := n.Inputs[0]
			a, la, Ja := e.v[in], e.l[in], e.J[in]
			ab, lab, Jab := e.vb[in], e.lb[in], e.Jb[in]
			yb, lyb, Jyb := e.vb[i], e.lb[i], e.Jb[i]
			for j := range a {
				_, s1, s2, s3 := n.Act.Eval(a[j])
				var q, dot float64
				for k := 0; k < D; k++ {
					q += Ja[j*D+k] * Ja[j*D+k]
					dot += Jyb[j*D+k] * Ja[j*D+k]
				}
				ab[j] += s1*yb[j] + s2*dot + (s2*la[j]+s3*q)*lyb[j]
				for k := 0; k < D; k++ {
					Jab[j*D+k] += s1*Jyb[j*D+k] + 2*s2*lyb[j]*Ja[j*D+k]
				}
				lab[j] += s1 * lyb[j]
			}
		default:
			e.timeBackward(theta, n, dtheta)
			e.linearT(theta, n, e.vb[i], 1, 0, dtheta)
			e.linearT(theta, n, e.Jb[i], D, 1, dtheta)
			e.linearT(theta, n, e.lb[i], 1, 2, dtheta)
		}
	}
}

func mod(a, n int) int {
	a %= n
	if a < 0 {
		a += n
	}
	return a
}
