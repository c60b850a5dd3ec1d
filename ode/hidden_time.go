package ode

import (
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/kern"
)

// hiddenTime holds what the hidden-space integrator needs of a
// time-dependent potential φ(x, t) with one hidden layer. For each stage
// time t the time terms (ir.TimeMap, with both layers' gates Scaled) give
//
//	a = s(t) ⊙ z + c(t),   φ = g(t)·Σ_k w_k σ(a_k) (+ terms of t alone),
//
// with z = W·x the time-free state (W·x + b when the hidden layer has no
// time terms: then s = 1 and c = 0), s the hidden layer's gate, c = b′(t)
// its effective bias s⊙(b + U·f(t)) + V·f(t) and g the output layer's gate
// (each 1 or 0 when absent). So ∇φ = Wᵀ·(wu ⊙ σ′(a)) and
// Δφ = Σ_k wl_k·σ″(a_k) with wu = g·w⊙s and wl = g·w⊙s²⊙‖W_k‖²: the
// time-free step with a for z and wu, wl for w and w⊙‖W_k‖².
//
// The adjoint's stage gives ā (the cotangent of a), Σ ū⊙σ′ and Σ ℓ̄·σ″
// over the samples; they make z̄ = s⊙ā, the cotangents of s, c and g, and
// the stage's terms of w̄ and of ‖W_k‖²'s cotangent. The time map takes
// s⊙s̄, g·ḡ and c̄ back to the time parameters at t (TimeMap.BackTime, as
// the kernels' reverse mode does).
type hiddenTime[T floatT] struct {
	tm      *ir.TimeMap // both layers' time terms; b′ at kern[kb], kern[H] (compact)
	kern    []float64   // b′(t) of the layers that have one (H+1)
	dkern   []float64   // c̄ for BackTime (H+1; zero but for kern's range of c)
	sv, gs  []float64   // the gates (TimeMap.NumScaled) and s⊙∂/∂s of them
	scratch []float64   // the time map's scratch
	gateH   int         // offset of s in sv, −1 without a hidden gate
	gateO   int         // offset of g in sv, −1 without an output gate
	kb      int         // offset of c in kern, −1 without one
	hidden  bool        // the hidden layer has time terms (z = W·x, a = s⊙z + c)

	cur   float64 // the time of the stage vectors below
	valid bool    // they are those of cur (reset by each Run)
	g     float64 // the output gate at cur
	s, c  []T     // s(cur), c(cur) (H)
	wu    []T     // g·w⊙s (H)
	wl    []T     // g·w⊙s²⊙‖W_k‖² (H)
	pre   []T     // the stage's pre-activations a (B×H)

	ub, lb, sb, cb []float64 // one adjoint stage's Σ ū⊙σ′, Σ ℓ̄·σ″, Σ ā⊙z, Σ ā (H)
}

// newHiddenTime returns the time terms of p's layers for the checked layer
// l (l.Time), with room for batches of B; nil without time.
func newHiddenTime[T floatT](p *ir.Program, l HiddenLayer, B int) *hiddenTime[T] {
	if !l.Time {
		return nil
	}
	d, o := p.Nodes[1], p.Nodes[3]
	H := l.H
	tm := p.TimeMap(p.KernelProgram(), d.ID, o.ID)
	ht := &hiddenTime[T]{tm: tm, gateH: -1, gateO: -1, kb: -1}
	// The layers' b′ go to a compact kern (H for the hidden layer, 1 for
	// the output); ApplyTime and BackTime read and write nothing else of
	// θ′ for layers that are Scaled or have no gate (TimeLayer.fixedW).
	for i := range tm.Layers {
		tl := &tm.Layers[i]
		hid := tl.W == l.W
		if tl.KB >= 0 {
			tl.KB = H
			if hid {
				tl.KB, ht.kb = 0, 0
			}
		}
		if tl.Scaled && hid {
			ht.gateH = tl.S
		} else if tl.Scaled {
			ht.gateO = tl.S
		}
		ht.hidden = ht.hidden || hid
	}
	tm.NumKernel = H + 1
	ht.kern, ht.dkern = make([]float64, H+1), make([]float64, H+1)
	ht.sv, ht.gs, ht.scratch = make([]float64, tm.NumScaled), make([]float64, tm.NumScaled), make([]float64, tm.Scratch)
	ht.s, ht.c, ht.wu, ht.wl = make([]T, H), make([]T, H), make([]T, H), make([]T, H)
	ht.pre = make([]T, B*H)
	ht.ub, ht.lb, ht.sb, ht.cb = make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H)
	return ht
}

// gates returns s_k (1 without a hidden gate) and g (1 without an output
// gate) at the time of the last ApplyTime.
func (ht *hiddenTime[T]) gates(k int) (s, g float64) {
	s, g = 1, 1
	if ht.gateH >= 0 {
		s = ht.sv[ht.gateH+k]
	}
	if ht.gateO >= 0 {
		g = ht.sv[ht.gateO]
	}
	return s, g
}

// at forms the stage vectors s, c, wu and wl at time t from θ, w and
// ‖W_k‖² (n2), unless they are already those of t. It does not allocate.
func (ht *hiddenTime[T]) at(t float64, theta []float64, w, n2 []T) {
	if ht.valid && ht.cur == t {
		return
	}
	ht.tm.ApplyTime(ht.kern, theta, t, ht.scratch, ht.sv)
	for k := range ht.s {
		s, g := ht.gates(k)
		c := 0.0
		if ht.kb >= 0 {
			c = ht.kern[ht.kb+k]
		}
		gws := g * float64(w[k]) * s
		ht.s[k], ht.c[k] = T(s), T(c)
		ht.wu[k], ht.wl[k] = T(gws), T(gws*s*float64(n2[k]))
		ht.g = g
	}
	ht.cur, ht.valid = t, true
}

// shift returns the pre-activations a = s⊙z + c of the stage state z (nb
// rows), written to ht.pre, or z itself when the hidden layer has no time
// terms.
func (ht *hiddenTime[T]) shift(z []T, nb int) []T {
	if !ht.hidden {
		return z
	}
	H := len(ht.s)
	s, c, a := ht.s, ht.c, ht.pre[:nb*H]
	for r := range nb {
		ar, zr := a[r*H:(r+1)*H], z[r*H:(r+1)*H]
		s, c := s[:len(zr)], c[:len(zr)]
		switch {
		case ht.gateH < 0: // s = 1
			for k, v := range zr {
				ar[k] = v + c[k]
			}
		case ht.kb < 0: // c = 0
			for k, v := range zr {
				ar[k] = s[k] * v
			}
		default:
			for k, v := range zr {
				ar[k] = s[k]*v + c[k]
			}
		}
	}
	return a
}

// cotangent is hidden.stageCotangent for a hidden layer with time terms
// (ht.hidden): with the stage's ā = w ⊙ ū ⊙ σ″ + ℓ̄·wn ⊙ σ‴, it writes
// z̄ = s⊙ā to zb, adds Σ ū ⊙ σ′ and Σ ℓ̄·σ″ to ht.ub and ht.lb, and Σ ā⊙z
// (z: the stage state) and Σ ā to ht.sb and ht.cb, the sums over the nb
// rows.
func (hd *hidden[T]) cotangent(ht *hiddenTime[T], z []T) {
	if ht.gateH < 0 { // s = 1: z̄ = ā
		hd.stageCotangent(ht.wu, ht.wl, ht.ub, ht.lb)
		kern.AccumCols(ht.cb, hd.zb, hd.nb, hd.H)
		return
	}
	H, nb := hd.H, hd.nb
	nh := nb * H
	zb, ub, d1, d2, d3, lb := hd.zb[:nh], hd.ub[:nh], hd.d1[:nh], hd.d2[:nh], hd.d3[:nh], hd.lb[:nb]
	for r := range nb {
		o := r * H
		zbr := zb[o : o+H]
		zr, ubr, d1r, d2r, d3r := z[o:o+H], ub[o:o+H], d1[o:o+H], d2[o:o+H], d3[o:o+H]
		s, w, wn, wb, t, sb, cb := ht.s[:H], ht.wu[:H], ht.wl[:H], ht.ub[:H], ht.lb[:H], ht.sb[:H], ht.cb[:H]
		l := lb[r]
		for k := range zbr {
			ab := w[k]*ubr[k]*d2r[k] + l*wn[k]*d3r[k]
			zbr[k] = s[k] * ab
			wb[k] += float64(ubr[k]) * float64(d1r[k])
			t[k] += float64(l) * float64(d2r[k])
			sb[k] += float64(ab) * float64(zr[k])
			cb[k] += float64(ab)
		}
	}
}

// back adds one adjoint stage's parameter gradient at time t (that of the
// last at): the terms of w̄ and of ‖W_k‖²'s cotangent (to wb, nb2), and
// through the time map those of the time parameters (to dtheta); then it
// clears the stage's sums. It does not allocate.
func (ht *hiddenTime[T]) back(t float64, theta, dtheta []float64, w, n2 []T, wb, nb2 []float64) {
	var gb float64 // ∂/∂g
	for k := range ht.s {
		s, g := ht.gates(k)
		wk, nk := float64(w[k]), float64(n2[k])
		ub, lb := ht.ub[k], ht.lb[k]
		// wu = g·w·s, wl = g·w·s²·n: their cotangents are ub and lb.
		wb[k] += g*s*ub + g*s*s*nk*lb
		nb2[k] += g * wk * s * s * lb
		gb += wk*s*ub + wk*s*s*nk*lb
		if ht.gateH >= 0 {
			ht.gs[ht.gateH+k] = s * (ht.sb[k] + g*wk*ub + 2*g*wk*s*nk*lb)
		}
		if ht.kb >= 0 {
			ht.dkern[ht.kb+k] = ht.cb[k]
		}
	}
	if ht.gateO >= 0 {
		ht.gs[ht.gateO] = ht.g * gb
	}
	ht.tm.BackTime(dtheta, ht.dkern, theta, t, ht.scratch, ht.gs)
	clear(ht.ub)
	clear(ht.lb)
	clear(ht.sb)
	clear(ht.cb)
}
