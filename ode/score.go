package ode

import (
	"fmt"
	"math"

	"github.com/mafc-dev/mafc/runtime"
)

// The score of a flow and its adjoint (force matching).
//
// Along a trajectory of the flow dx/dt = σ∇φ(x), da/dt = −σΔφ(x), the
// gradient s = ∇ₓa of the density term with respect to the current point
// (with σ = +1 and a(0) = ln p₀(z): the score ∇ₓ ln p(x, t), the force of
// the paper's reference code) obeys
//
//	ds/dt = −σ(∇²φ(x)·s + ∇Δφ(x)) = −σ·∂/∂x [s·∇φ(x) + Δφ(x)]|_s fixed,
//
// the x-part of the reverse mode at u = s and a Laplacian weight of 1: one
// Reverse per stage, exact. RunScore integrates (x, a, s) with the same
// Runge–Kutta stages, so x(T) and a(T) are bitwise Run's.
//
// AdjointScore is the discrete adjoint of that computation. A stage's
// slopes (k, m, q) = (σ∇φ, −σΔφ, −σ(∇²φ·ς + ∇Δφ)) at (y, ς) with cotangents
// (k̄, m̄, q̄) give
//
//	ȳ = σ∇²φ·k̄ − σm̄·∇Δφ − σ·∂/∂y [q̄·(∇²φ·ς + ∇Δφ)],
//	ς̄ = −σ∇²φ·q̄,
//	θ̄ += σ∂/∂θ [k̄·∇φ] − σm̄·∂/∂θ Δφ − σ·∂/∂θ [q̄·(∇²φ·ς + ∇Δφ)].
//
// The first terms are one Reverse (u = σk̄, Laplacian weight −σm̄, as in
// Adjoint) and ς̄ another (u = q̄, its θ-part discarded). The last terms are
// the derivative of the reverse mode's outputs R(y) = (∂/∂y, ∂/∂θ) of
// ς·∇φ(y) + Δφ(y) along q̄: third and fourth derivatives of φ, for which no
// kernel is emitted. They are taken as the fourth-order central difference
//
//	D_q̄R(y) ≈ [−R(y + 2εq̄) + 8R(y + εq̄) − 8R(y − εq̄) + R(y − 2εq̄)] / (12ε)
//
// of the exact reverse mode, with the weights folded into its cotangents
// (R is linear in them), four Reverse calls; ε = FDStep·(1 + max|y_b|) /
// max|q̄_b| per sample, so that no coordinate moves more than FDStep
// relative to the point's scale. Its error is O(ε⁴) truncation plus
// O(ε_mach/ε) rounding: for generated/ising8 (10 RK4 steps, a gradient
// through s(T) alone) the θ-gradient moved by 1.3e-10 relative between
// steps 1e-3 and 1e-5, by 1e-8 at 3e-3 and by 9e-12 at 3e-4 and 1e-4 (the
// rounding floor), so FDStep = 3e-4 leaves about 1e-11. Only this term of
// the gradient is not exact to rounding. A second-order difference (two
// calls instead of four) came within 4e-11 of it on generated/ising16rand
// at ε = 3e-6, but 2e-8 at 1e-4 and 1e-10 at 1e-6: the fourth-order stencil
// is kept for its wide plateau.
//
// The score flow needs the exact Laplacian, float64 kernels and the
// input-space integrator; it works with every such potential (time-dependent and randomly symmetrised
// ones too: stage i of step n evaluates φ∘g_n at the stage's time, in the
// adjoint as in RunScore).

// FDStep is the relative step of the finite difference in AdjointScore.
const FDStep = 3e-4

// scoreBufs are the buffers of the score flow, allocated by New with
// Config.Score.
type scoreBufs struct {
	ws2       runtime.Workspace // reverse modes whose θ-part is discarded
	thScratch []float64         // their θ-part: never read, cleared once per RunScore and AdjointScore
	q, qb     [][]float64       // stage slopes of s and their cotangents
	sy        [][]float64       // stage states of s (the per-step scratch)
	sstates   [][]float64       // Store: every stage state of s; Recompute: checkpoints
	sseg      [][]float64       // Recompute: stage states of s of one segment
	dxs       []float64         // reverse mode's x-part
	sbar      []float64         // a stage's ς̄
	yp, uu    []float64         // the finite difference's points and cotangents
	ones, cs  []float64         // per-sample Laplacian weights
	eps       []float64         // per-sample steps
	sseg0     []float64         // Recompute: s of the segment being recomputed
}

// newScore allocates the score flow's buffers for it (cfg.Score).
func (it *Integrator) newScore() error {
	cfg, pot := it.cfg, it.pot
	if cfg.Hutchinson {
		return fmt.Errorf("ode: the score flow (force matching) needs the exact Laplacian: its ∇Δφ is that of the exact Δφ")
	}
	if pot.Program().Precision == "float32" {
		return fmt.Errorf("ode: the score flow (force matching) needs float64 kernels: its adjoint takes finite differences of the reverse mode, which float32 rounding would swamp (remove `precision = float32` from the spec)")
	}
	B, D, s := cfg.MaxBatch, it.D, cfg.Tableau.Stages()
	sb := &scoreBufs{ws2: pot.NewWorkspace(B), thScratch: make([]float64, pot.NumParams())}
	sb.q, sb.qb, sb.sy = buffers(s, B*D), buffers(s, B*D), buffers(s, B*D)
	sb.sstates, sb.sseg = cfg.trajectory(B * D)
	sb.dxs, sb.sbar, sb.yp, sb.uu, sb.sseg0 = make([]float64, B*D), make([]float64, B*D), make([]float64, B*D), make([]float64, B*D), make([]float64, B*D)
	sb.ones, sb.cs, sb.eps = make([]float64, B), make([]float64, B), make([]float64, B)
	for b := range sb.ones {
		sb.ones[b] = 1
	}
	it.sc2 = sb
	return nil
}

// setTimes sets the time of both workspaces to that of stage i of step n.
func (it *Integrator) setTimes(n, i int) {
	if it.td != nil {
		t := it.cfg.StageTime(it.sigma, n, i)
		it.td.SetTime(it.ws, t)
		it.td.SetTime(it.sc2.ws2, t)
	}
}

// RunScore is Run that also integrates s = ∇ₓa (B×D; s(0) on entry, s(T)
// on return) by the same stages: with σ = +1, a(0) = ln p₀(z) and
// s(0) = −z, s(T) is the score ∇ₓ ln p(x(T), T) to the method's order. x(T)
// and a(T) are bitwise Run's. With record, AdjointScore can follow. It
// needs Config.Score and does not allocate.
func (it *Integrator) RunScore(x, a, s []float64, sigma float64, record bool, probeSeed uint64) {
	if it.sc2 == nil {
		panic("ode: RunScore without Config.Score")
	}
	if len(x) != len(a)*it.D || len(s) != len(x) || len(a) > it.cfg.MaxBatch || len(a) == 0 {
		panic("ode: RunScore: bad batch")
	}
	if record && it.cfg.NoRecord {
		panic("ode: RunScore: cannot record with Config.NoRecord")
	}
	it.nb, it.sigma, it.recording, it.probeSeed = len(a), sigma, false, probeSeed
	it.deferring, it.aRun = false, a
	it.scoreRecorded = record
	it.permStep = -1
	S := it.cfg.Tableau.Stages()
	nd := it.nb * it.D
	sb := it.sc2
	clear(sb.thScratch)
	for n := 0; n < it.cfg.Steps; n++ {
		ys, ss := it.y, sb.sy
		switch {
		case record && it.cfg.Memory == Store:
			ys, ss = it.states[n*S:(n+1)*S], sb.sstates[n*S:(n+1)*S]
		case record && n%it.cfg.Every == 0:
			copy(it.states[n/it.cfg.Every][:nd], x)
			copy(sb.sstates[n/it.cfg.Every][:nd], s)
		}
		it.scoreStep(n, x, a, s, ys, ss)
	}
}

// scoreStep advances x, a (unless nil) and s by one step; the stage states
// go to ys and ss.
func (it *Integrator) scoreStep(n int, x, a, s []float64, ys, ss [][]float64) {
	tab, h := it.cfg.Tableau, it.cfg.Dt
	nd := it.nb * it.D
	sb := it.sc2
	it.setTransform(n)
	for i := range tab.B {
		yi, si := ys[i][:nd], ss[i][:nd]
		copy(yi, x)
		copy(si, s)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				kj, qj := it.k[j][:nd], sb.q[j][:nd]
				for e := range yi {
					yi[e] += h * aij * kj[e]
				}
				for e := range si {
					si[e] += h * aij * qj[e]
				}
			}
		}
		it.scoreEval(n, i, yi, si, it.k[i][:nd], sb.q[i][:nd], a, h*tab.B[i])
	}
	for i, bi := range tab.B {
		if bi == 0 {
			continue
		}
		ki, qi := it.k[i][:nd], sb.q[i][:nd]
		for e := range x {
			x[e] += h * bi * ki[e]
		}
		for e := range s {
			s[e] += h * bi * qi[e]
		}
	}
}

// scoreEval computes the stage slopes k = σ∇φ(y) and q = −σ(∇²φ(y)·ς +
// ∇Δφ(y)), and adds h·w·(−σΔφ(y)) to a (unless nil), with φ∘g_n for a
// random symmetry.
func (it *Integrator) scoreEval(step, stage int, y, sg, k, q, a []float64, hw float64) {
	nb, nd := it.nb, it.nb*it.D
	sb := it.sc2
	g, lap, dxs := it.grad[:nd], it.lap[:nb], sb.dxs[:nd]
	if it.rnd != nil {
		gy, gs := it.gy[:nd], it.gt[:nd]
		it.transform(gy, y)
		it.transform(gs, sg)
		y, sg = gy, gs
	}
	it.setTimes(step, stage)
	// The Laplacian as Run computes it (so x and a are bitwise Run's), and
	// ∇²φ·ς + ∇Δφ from the reverse mode.
	it.pot.Laplacian(it.ws, nil, g, lap, y)
	it.pot.Reverse(sb.ws2, dxs, sb.thScratch, y, nil, sg, sb.ones[:nb])
	if it.rnd != nil {
		it.transformT(k, g)
		it.transformT(q, dxs)
		for i := range k {
			k[i] *= it.sigma
			q[i] *= -it.sigma
		}
	} else {
		for i, v := range g {
			k[i] = it.sigma * v
		}
		for i, v := range dxs {
			q[i] = -it.sigma * v
		}
	}
	if a != nil && hw != 0 {
		for b, l := range lap {
			a[b] -= hw * it.sigma * l
		}
	}
}

// AdjointScore back-propagates through the last recorded RunScore: given
// the cotangents xb of x(T) and sb of s(T) (B×D each, overwritten with
// those of x(0) and s(0)) and ab of a(T) (per sample), it adds the gradient
// with respect to the parameters to dtheta. Every term is exact except the
// derivative of the score's slope along its cotangent (see the comment at
// the top of score.go). It does not allocate.
func (it *Integrator) AdjointScore(xb, ab, sb, dtheta []float64) {
	if it.sc2 == nil || !it.scoreRecorded {
		panic("ode: AdjointScore without a recorded RunScore")
	}
	if len(xb) != it.nb*it.D || len(sb) != len(xb) || len(ab) != it.nb {
		panic("ode: AdjointScore: bad batch")
	}
	S := it.cfg.Tableau.Stages()
	nd := it.nb * it.D
	bufs := it.sc2
	clear(bufs.thScratch)
	if d, ok := it.pot.(runtime.GradDeferrer); ok {
		d.DeferGrad(it.ws, true)
		defer func() {
			d.FlushGrad(it.ws, dtheta)
			d.DeferGrad(it.ws, false)
		}()
	}
	switch it.cfg.Memory {
	case Store:
		for n := it.cfg.Steps - 1; n >= 0; n-- {
			it.adjointScoreStep(n, it.states[n*S:(n+1)*S], bufs.sstates[n*S:(n+1)*S], xb, ab, sb, dtheta)
		}
	case Recompute:
		e := it.cfg.Every
		for c := len(it.states) - 1; c >= 0; c-- {
			first := c * e
			last := min(first+e, it.cfg.Steps)
			x, s := it.u[:nd], bufs.sseg0[:nd]
			copy(x, it.states[c][:nd])
			copy(s, bufs.sstates[c][:nd])
			for n := first; n < last; n++ {
				it.scoreStep(n, x, nil, s, it.seg[(n-first)*S:(n-first+1)*S], bufs.sseg[(n-first)*S:(n-first+1)*S])
			}
			for n := last - 1; n >= first; n-- {
				it.adjointScoreStep(n, it.seg[(n-first)*S:(n-first+1)*S], bufs.sseg[(n-first)*S:(n-first+1)*S], xb, ab, sb, dtheta)
			}
		}
	}
}

// reverseG runs the reverse mode of the step's φ∘g (φ without a random
// symmetry) at y with cotangents u and Laplacian weights sc (nil: 0) on
// ws: ∂/∂y into dx, ∂/∂θ added to dtheta. u is not modified.
func (it *Integrator) reverseG(ws runtime.Workspace, dx, dtheta, y, u, sc []float64) {
	if it.rnd == nil {
		it.pot.Reverse(ws, dx, dtheta, y, nil, u, sc)
		return
	}
	nd := it.nb * it.D
	gy, gu := it.gy[:nd], it.gt[:nd]
	it.transform(gy, y)
	it.transform(gu, u)
	it.pot.Reverse(ws, dx, dtheta, gy, nil, gu, sc)
	copy(gu, dx) // g·u is no longer needed
	it.transformT(dx, gu)
}

// fdTaps are the offsets (in units of ε) and weights (in units of 1/(12ε))
// of the fourth-order central difference.
var fdTaps = [4]struct{ off, w float64 }{{2, -1}, {1, 8}, {-1, -8}, {-2, 1}}

// adjointScoreStep propagates the cotangents through step n of a score
// run whose stage states are ys (x) and ss (s).
func (it *Integrator) adjointScoreStep(n int, ys, ss [][]float64, xb, ab, sbar, dtheta []float64) {
	tab, h := it.cfg.Tableau, it.cfg.Dt
	nb, nd := it.nb, it.nb*it.D
	S := tab.Stages()
	bufs := it.sc2
	it.setTransform(n)
	for i := 0; i < S; i++ {
		kb, qb := it.kb[i][:nd], bufs.qb[i][:nd]
		for e, v := range xb {
			kb[e] = h * tab.B[i] * v
		}
		for e, v := range sbar {
			qb[e] = h * tab.B[i] * v
		}
	}
	yb, ib := it.yb[:nd], bufs.sbar[:nd]
	sc := it.sc[:nb]
	for i := S - 1; i >= 0; i-- {
		kb, qb := it.kb[i][:nd], bufs.qb[i][:nd]
		if tab.B[i] == 0 && allZero(kb) && allZero(qb) {
			continue
		}
		y, sg := ys[i][:nd], ss[i][:nd]
		it.setTimes(n, i)
		// σ∇²φ·k̄ − σm̄·∇Δφ and its θ-part.
		u := it.u[:nd]
		for e, v := range kb {
			u[e] = it.sigma * v
		}
		for b := range sc {
			sc[b] = -it.sigma * h * tab.B[i] * ab[b]
		}
		it.reverseG(it.ws, yb, dtheta, y, u, sc)
		// ς̄ = −σ∇²φ·q̄.
		it.reverseG(bufs.ws2, ib, bufs.thScratch, y, qb, nil)
		for e := range ib {
			ib[e] *= -it.sigma
		}
		it.scoreSlopeJVP(y, sg, qb, yb, dtheta)
		for e, v := range yb {
			xb[e] += v
		}
		for e, v := range ib {
			sbar[e] += v
		}
		for j, aij := range tab.A[i] {
			if aij == 0 {
				continue
			}
			kj, qj := it.kb[j][:nd], bufs.qb[j][:nd]
			for e, v := range yb {
				kj[e] += h * aij * v
			}
			for e, v := range ib {
				qj[e] += h * aij * v
			}
		}
	}
}

// scoreSlopeJVP adds −σ·D_q̄ R(y) to yb (∂/∂y) and dtheta (∂/∂θ), for R
// the reverse mode of ς·∇φ + Δφ (φ∘g_n) at y: the fourth-order central
// difference along each sample's q̄, with per-sample steps.
func (it *Integrator) scoreSlopeJVP(y, sg, qb, yb, dtheta []float64) {
	nb, D, nd := it.nb, it.D, it.nb*it.D
	bufs := it.sc2
	eps := bufs.eps[:nb]
	for b := range eps {
		yr, qr := y[b*D:(b+1)*D], qb[b*D:(b+1)*D]
		var ym, qm float64
		for e := range qr {
			ym = max(ym, math.Abs(yr[e]))
			qm = max(qm, math.Abs(qr[e]))
		}
		eps[b] = 0
		if qm > 0 {
			eps[b] = FDStep * (1 + ym) / qm
		}
	}
	yp, uu, cs, dxs := bufs.yp[:nd], bufs.uu[:nd], bufs.cs[:nb], bufs.dxs[:nd]
	for _, tap := range fdTaps {
		for b, eb := range eps {
			c := 0.0
			if eb > 0 {
				c = -it.sigma * tap.w / (12 * eb)
			}
			cs[b] = c
			for e := b * D; e < (b+1)*D; e++ {
				yp[e] = y[e] + tap.off*eb*qb[e]
				uu[e] = c * sg[e]
			}
		}
		it.reverseG(it.ws, dxs, dtheta, yp, uu, cs)
		for e, v := range dxs {
			yb[e] += v
		}
	}
}
