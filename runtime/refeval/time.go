package refeval

import (
	"math"

	"github.com/mafc-dev/mafc/ir"
)

// Time-dependent programs: a layer with time terms computes, for the time t
// set by SetTime (0 by default) and features f = f(t),
//
//	a = L h + b + U f,   y = s ⊙ a + V f,   s = sigmoid(A f + c)
//
// per output channel (s = 1 without a gate, V f = 0 without a shift), so
// J_y = s ⊙ J_a and ℓ_y = s ⊙ ℓ_a, and in reverse
//
//	ā = s ⊙ ȳ (values, Jacobians and Laplacians alike),
//	Ā += da fᵀ, c̄ += da with da = s(1 − s) Σ (ȳ·a + J̄_y·J_a + ℓ̄_y·ℓ_a),
//	V̄ += (Σ_sites ȳ) fᵀ,  Ū += (Σ_sites ā) fᵀ.
//
// This is written out directly on the program, independently of the
// kernels' effective parameters (ir.TimeMap).

// SetTime sets the time t at which φ(x, t) is evaluated.
func (e *Evaluator) SetTime(t float64) { e.t = t }

// timeState holds a gated node's pre-gate value, Jacobian and Laplacian.
type timeState struct {
	v, J, l []float64
}

// features returns f(t) for the features of a node (nil for none).
func (e *Evaluator) features(f *ir.TimeFeatures) []float64 {
	if f == nil {
		return nil
	}
	out := make([]float64, f.Len())
	f.Eval(e.t, out)
	return out
}

// gates returns s_j = sigmoid(A_j·f + c_j) for the gated node n.
func (e *Evaluator) gates(theta []float64, n *ir.Node, fg []float64) []float64 {
	A, C := e.p.Params[e.p.TimeParam(n.ID, ir.RoleGate)], e.p.Params[e.p.TimeParam(n.ID, ir.RoleGateBias)]
	s := make([]float64, n.Out)
	for j := range s {
		z := theta[C.Offset+j]
		for k, f := range fg {
			z += theta[A.Offset+j*len(fg)+k] * f
		}
		s[j] = 1 / (1 + math.Exp(-z))
	}
	return s
}

// timeParamDot returns Σ_k P[j, k]·f[k] for the time parameter of role.
func (e *Evaluator) timeParamDot(theta []float64, n *ir.Node, role string, j int, f []float64) float64 {
	P := e.p.Params[e.p.TimeParam(n.ID, role)]
	var z float64
	for k, v := range f {
		z += theta[P.Offset+j*len(f)+k] * v
	}
	return z
}

// timeForward applies n's time terms to its freshly computed linear value
// (and, with full, Jacobian and Laplacian).
func (e *Evaluator) timeForward(theta []float64, n *ir.Node, full bool) {
	if n.Time == nil && n.Gate == nil {
		return
	}
	v, J, l := e.v[n.ID], e.J[n.ID], e.l[n.ID]
	sites := n.Shape.Sites()
	if fu := e.features(n.Time); fu != nil {
		for j := 0; j < n.Out; j++ {
			z := e.timeParamDot(theta, n, ir.RoleTime, j, fu)
			for site := 0; site < sites; site++ {
				v[site*n.Out+j] += z
			}
		}
	}
	if n.Gate == nil {
		return
	}
	st := e.pre[n.ID]
	if st == nil {
		st = &timeState{v: make([]float64, len(v)), J: make([]float64, len(J)), l: make([]float64, len(l))}
		e.pre[n.ID] = st
	}
	copy(st.v, v)
	if full {
		copy(st.J, J)
		copy(st.l, l)
	}
	fg := e.features(n.Gate)
	s := e.gates(theta, n, fg)
	D := e.D
	for site := 0; site < sites; site++ {
		for j := 0; j < n.Out; j++ {
			i := site*n.Out + j
			v[i] *= s[j]
			if n.GateShift {
				v[i] += e.timeParamDot(theta, n, ir.RoleGateShift, j, fg)
			}
			if full {
				l[i] *= s[j]
				for k := 0; k < D; k++ {
					J[i*D+k] *= s[j]
				}
			}
		}
	}
}

// timeBackward turns n's output cotangents into those of its linear part,
// adding the time parameters' gradients to dtheta.
func (e *Evaluator) timeBackward(theta []float64, n *ir.Node, dtheta []float64) {
	if n.Time == nil && n.Gate == nil {
		return
	}
	vb, Jb, lb := e.vb[n.ID], e.Jb[n.ID], e.lb[n.ID]
	sites, D := n.Shape.Sites(), e.D
	if n.Gate != nil {
		st := e.pre[n.ID]
		fg := e.features(n.Gate)
		s := e.gates(theta, n, fg)
		A, C := e.p.Params[e.p.TimeParam(n.ID, ir.RoleGate)], e.p.Params[e.p.TimeParam(n.ID, ir.RoleGateBias)]
		for j := 0; j < n.Out; j++ {
			var ds, sum float64
			for site := 0; site < sites; site++ {
				i := site*n.Out + j
				sum += vb[i]
				ds += vb[i]*st.v[i] + lb[i]*st.l[i]
				for k := 0; k < D; k++ {
					ds += Jb[i*D+k] * st.J[i*D+k]
				}
				vb[i] *= s[j]
				lb[i] *= s[j]
				for k := 0; k < D; k++ {
					Jb[i*D+k] *= s[j]
				}
			}
			if n.GateShift {
				V := e.p.Params[e.p.TimeParam(n.ID, ir.RoleGateShift)]
				for k, f := range fg {
					dtheta[V.Offset+j*len(fg)+k] += sum * f
				}
			}
			da := ds * s[j] * (1 - s[j])
			for k, f := range fg {
				dtheta[A.Offset+j*len(fg)+k] += da * f
			}
			dtheta[C.Offset+j] += da
		}
	}
	if fu := e.features(n.Time); fu != nil {
		U := e.p.Params[e.p.TimeParam(n.ID, ir.RoleTime)]
		for j := 0; j < n.Out; j++ {
			var sum float64
			for site := 0; site < sites; site++ {
				sum += vb[site*n.Out+j]
			}
			for k, f := range fu {
				dtheta[U.Offset+j*len(fu)+k] += sum * f
			}
		}
	}
}
