package refeval

import (
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime"
)

// Potential adapts the reference evaluator to runtime.Potential, so that
// integrators, objectives and trainers can be tested on any IR without
// generated code. It is slow, allocates, and does not implement the reverse
// mode of the Hutchinson estimate (ReverseHutchinson panics).
type Potential struct {
	prog  *ir.Program
	theta []float64
}

var _ runtime.Potential = (*Potential)(nil)

// NewPotential returns a reference potential with parameters initialised
// from the spec's scheme and seed.
func NewPotential(p *ir.Program) *Potential {
	r := &Potential{prog: p, theta: make([]float64, p.NumParams())}
	p.InitParams(r.theta, p.InitSeed)
	return r
}

type refWS struct {
	e   *Evaluator
	max int
}

func (w *refWS) MaxBatch() int { return w.max }

// SetTime sets the time of a time-dependent φ(x, t) for evaluations with ws
// (runtime.TimeDependent).
func (r *Potential) SetTime(ws runtime.Workspace, t float64) { ws.(*refWS).e.SetTime(t) }

func (r *Potential) Name() string         { return r.prog.Name }
func (r *Potential) Dim() int             { return r.prog.Dim() }
func (r *Potential) NumParams() int       { return r.prog.NumParams() }
func (r *Potential) Params() []float64    { return r.theta }
func (r *Potential) Sync()                {}
func (r *Potential) Program() *ir.Program { return r.prog }
func (r *Potential) Probes() int          { return max(r.prog.Train.Probes, 1) }

func (r *Potential) NewWorkspace(maxBatch int) runtime.Workspace {
	return &refWS{e: New(r.prog), max: maxBatch}
}

func (r *Potential) Phi(ws runtime.Workspace, phi, x []float64) {
	e, D := ws.(*refWS).e, r.Dim()
	for b := range phi {
		phi[b] = e.Phi(r.theta, x[b*D:(b+1)*D])
	}
}

func (r *Potential) Grad(ws runtime.Workspace, phi, grad, x []float64) {
	r.Laplacian(ws, phi, grad, make([]float64, len(x)/r.Dim()), x)
}

func (r *Potential) Laplacian(ws runtime.Workspace, phi, grad, lap, x []float64) {
	e, D := ws.(*refWS).e, r.Dim()
	g := make([]float64, D)
	for b := range lap {
		f, l := e.Eval(r.theta, x[b*D:(b+1)*D], g)
		lap[b] = l
		if phi != nil {
			phi[b] = f
		}
		if grad != nil {
			copy(grad[b*D:], g)
		}
	}
}

func (r *Potential) Reverse(ws runtime.Workspace, dx, dtheta, x, c, u, s []float64) {
	e, D := ws.(*refWS).e, r.Dim()
	for b := 0; b < len(x)/D; b++ {
		var cb, sb float64
		if c != nil {
			cb = c[b]
		}
		if s != nil {
			sb = s[b]
		}
		e.Reverse(r.theta, x[b*D:(b+1)*D], cb, u[b*D:(b+1)*D], sb, dx[b*D:(b+1)*D], dtheta)
	}
}

// Hutchinson computes (1/P) Σ_p v_pᵀ∇²φ v_p with Hessian-vector products
// from the reverse mode (∂(vᵀ∇φ)/∂x = H·v).
func (r *Potential) Hutchinson(ws runtime.Workspace, phi, grad, lap, x, probes []float64) {
	e, D, P := ws.(*refWS).e, r.Dim(), r.Probes()
	r.Laplacian(ws, phi, grad, make([]float64, len(lap)), x)
	hv := make([]float64, D)
	junk := make([]float64, r.NumParams())
	for b := range lap {
		lap[b] = 0
		for p := 0; p < P; p++ {
			v := probes[(b*P+p)*D : (b*P+p+1)*D]
			e.Reverse(r.theta, x[b*D:(b+1)*D], 0, v, 0, hv, junk)
			for i := range v {
				lap[b] += v[i] * hv[i] / float64(P)
			}
		}
	}
}

// ReverseHutchinson is not implemented by the reference evaluator.
func (r *Potential) ReverseHutchinson(ws runtime.Workspace, dx, dtheta, x, c, u, s, probes []float64) {
	panic("refeval: ReverseHutchinson is not implemented by the reference evaluator")
}
