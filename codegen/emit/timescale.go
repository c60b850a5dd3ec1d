package emit

import (
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
)

// Gates as per-output scales (float64 time-dependent specs).
//
// A gated dense layer has W′ = diag(s(t))·W. Forming W′ at every new stage
// time would repack it, recompute its row norms and map its gradient back
// in O(out·in) per call; instead, where the layer's weight is read only by
// its own products, its row norms and its closed-form Jacobian
// coefficients, the kernels keep W (packed once per θ) and apply s:
//
//	forward:  h = s⊙(W·x) (+ b′), q′ = s²⊙q
//	reverse:  s_j·∂G/∂s_j = Σ_r h̄_rj·(h_rj − b′_j on value rows), b̄′ = Σ h̄,
//	          then h̄ ← s⊙h̄ and the usual products: x̄ = h̄·W, W̄ += h̄ᵀ·x
//	          (already ∂G/∂W); coefficients e ← s²⊙e with s_j·∂G/∂s_j += Σ e·q
//
// (ir.TimeLayer.Scaled; the gate vector s is the kernel model's timeS, the
// gradients s⊙∂G/∂s the workspace's timeGS). Other layers, and float32
// specs, keep W′ in θ′.

// initGates takes the Scaled layers and their offsets in the gate vector
// from the plan (plan.TimeState.Gates).
func (g *gen) initGates() {
	g.gateOff, g.numGates = map[int]int{}, 0
	if t := g.pm.Time; t != nil {
		g.gateOff, g.numGates = t.Gates, t.NumScaled
	}
}

// gated reports whether dense node i applies its gate as a scale.
func (g *gen) gated(i int) bool {
	_, ok := g.gateOff[i]
	return ok
}

// gateVec returns the slice expression of node i's entries of the model's
// vector v (timeS or timeS2) or of the workspace's timeGS.
func (g *gen) gateVec(v string, i int) string {
	o := g.gateOff[i]
	return fmt.Sprintf("%s[%d:%d]", v, o, o+g.p.Nodes[i].Out)
}

// gateQ returns the squared row norm expression of element j of a gated
// layer: q_j·s_j².
func (g *gen) gateQ(i int) string {
	return fmt.Sprintf("m.%sNorm2[j]*m.timeS2[%s]", g.names[i], plus(fmt.Sprint(g.gateOff[i]), "j"))
}

// gateProducts scales the rows of a gated layer's products by s.
func (g *gen) gateProducts(n *plan.Node, dst, cnt string) []jen.Code {
	if !g.gated(n.ID) {
		return nil
	}
	return []jen.Code{kcall("MulCols", dst, g.gateVec("m.timeS", n.ID), cnt, fmt.Sprint(n.Size))}
}

// revGate prints, before the reverse products of a gated layer: the gate's
// gradient over the rows the weight gradient reads (segs), the bias
// gradient, then h̄ ← s⊙h̄ on every row the reverse products read (all).
func (g *gen) revGate(pl *plan.Plan, n *plan.Node, all, segs []int) []jen.Code {
	if !g.gated(n.ID) {
		return nil
	}
	W := pl.Width
	nB, h := "w."+g.names[n.ID]+"B", "w."+g.names[n.ID]
	gs := g.gateVec("w.timeGS", n.ID)
	out := []jen.Code{jen.Comment("the gate s: s⊙∂G/∂s from the products, b̄′, then h̄ ← s⊙h̄ (ir.TimeLayer.Scaled)")}
	for _, seg := range segs {
		o, c := g.layout(seg)
		bias := "nil"
		if seg == segV && n.B >= 0 {
			bias = g.param(n.B)
		}
		out = append(out, kcall("GateGrad", gs, rows(nB, o.expr(W), c.expr(W), n.Size), rows(h, o.expr(W), c.expr(W), n.Size), bias, c.expr(W), fmt.Sprint(n.Size)))
	}
	if n.B >= 0 {
		out = append(out, kcall("SumRows", g.gradOf(n.B), rows(nB, "0", "nb", n.Size), "nb", fmt.Sprint(n.Size)))
	}
	var union []int
	for _, s := range append(append([]int(nil), all...), segs...) {
		if !slices.Contains(union, s) {
			union = append(union, s)
		}
	}
	return append(out, g.gateCotangents(pl, n, union)...)
}

// gateCotangents prints h̄ ← s⊙h̄ on the given row segments of a gated
// layer's cotangents, before the products with W.
func (g *gen) gateCotangents(pl *plan.Plan, n *plan.Node, segs []int) []jen.Code {
	if !g.gated(n.ID) {
		return nil
	}
	var out []jen.Code
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(pl.Width)
		out = append(out, kcall("MulCols", rows("w."+g.names[n.ID]+"B", r.off.expr(pl.Width), c, n.Size), g.gateVec("m.timeS", n.ID), c, fmt.Sprint(n.Size)))
	}
	return out
}

// gateCoef prints, for a gated layer with Jacobian coefficients e, their
// conversion to coefficients of W and the gate's gradient from them.
func (g *gen) gateCoef(n *plan.Node) []jen.Code {
	if !g.gated(n.ID) {
		return nil
	}
	name := g.names[n.ID]
	return []jen.Code{kcall("GateCoef", g.gateVec("w.timeGS", n.ID), "w."+name+"E", g.gateVec("m.timeS2", n.ID), "m."+name+"Norm2", "nb", fmt.Sprint(n.Size))}
}

// scaledList returns ", id, id…" of the gated layers, for ir.Program.TimeMap.
func (g *gen) scaledList() string {
	var s string
	for _, n := range g.full.Nodes {
		if g.gated(n.ID) {
			s += fmt.Sprintf(", %d", n.ID)
		}
	}
	return s
}
