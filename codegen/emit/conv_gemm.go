package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/runtime/ir"
	"github.com/mafc-dev/mafc/runtime/kern"
)

// Shifted-kernel GEMMs (plan.ShiftRF): the receptive-field Jacobian of a
// convolution n of h = σ(c), c a convolution of the input, is per sample
// J = A·B with A the σ′-weighted im2col block of n's kernels and B the
// constant matrix of c's shifted kernels (see runtime/kern/convgemm.go).
// The model holds B (…ShiftM) packed for A·B (…Shift) and for J̄·Bᵀ
// (…ShiftT), refreshed by Sync.

// shiftDims returns, for the ShiftRF convolution n, its input h, h's input
// c (the first convolution), the rows of one sample's block (sites·Cout),
// its width (Cin·K²) and the window size Ro.
func (g *gen) shiftDims(n *ir.Node) (h, c *ir.Node, m, ck, ro int) {
	h = g.p.Nodes[n.Inputs[0]]
	c = g.p.Nodes[h.Inputs[0]]
	s := h.Shape
	return h, c, s.Sites() * n.Out, s.C * n.K1 * n.K2, g.shiftWindow(n).Size()
}

// shiftWindow returns n's receptive field (the same in every exact mode).
func (g *gen) shiftWindow(n *ir.Node) kern.Window {
	for _, m := range []plan.Mode{plan.Laplacian, plan.Reverse} {
		if pn := g.plans[m].Nodes[n.ID]; pn.Kind == plan.ShiftRF {
			return pn.Window
		}
	}
	panic(fmt.Sprintf("emit: %s: not a shifted-kernel convolution", g.pos(n)))
}

// shiftFields declares the model's shifted-kernel matrices of n.
func (g *gen) shiftFields(n *ir.Node, packT string) []jen.Code {
	name := g.names[n.ID]
	_, c, _, ck, ro := g.shiftDims(n)
	return []jen.Code{
		jen.Id(name + "ShiftM").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's shifted %s kernels B (%d×%d), refreshed by Sync", n.Name, c.Name, ck, ro))),
		jen.Id(name+"Shift").Qual(pathGemm, packT).Comment(LineComment("B packed for the Jacobian products A·B")),
		jen.Id(name+"ShiftT").Qual(pathGemm, packT).Comment(LineComment("Bᵀ packed for the cotangent products J̄·Bᵀ")),
		jen.Id(name+"ShiftGeom").Op("*").Qual(pathKern, "RFGeom").Comment(LineComment("where each of B's entries comes from")),
	}
}

// shiftNew allocates them in New.
func (g *gen) shiftNew(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	h, _, _, ck, ro := g.shiftDims(n)
	s := h.Shape
	in := g.plans[plan.Laplacian].Nodes[h.ID].Window
	return []jen.Code{
		raw("m.%sShiftM = make([]%s, %d)", name, g.T, ck*ro),
		jen.Id("m."+name+"ShiftGeom").Op("=").Qual(pathKern, "NewRFGeom").Call(
			jen.Qual(pathKern, "NewConvGeom").Call(jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)), windowLit(in)),
	}
}

// shiftSync builds and packs B in Sync (after the first layer's tied
// kernels are expanded: c precedes n).
func (g *gen) shiftSync(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	_, c, _, ck, ro := g.shiftDims(n)
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("%s: the matrix of %s's shifted kernels, packed for A·B and J̄·Bᵀ", n.Name, c.Name))),
		kcall("ShiftMatrix", "m."+name+"ShiftM", g.param(c.W), "m."+name+"ShiftGeom"),
		raw("m.%sShift.Pack(false, %d, %d, m.%sShiftM, %d)", name, ck, ro, name, ro),
		raw("m.%sShiftT.Pack(true, %d, %d, m.%sShiftM, %d)", name, ro, ck, name, ro),
	}
}

// shiftBuffers lists the workspace buffers (name, size, comment) of a
// ShiftRF convolution or of a ConvScaled activation.
func (g *gen) shiftBuffers(n *ir.Node) [][3]string {
	name := g.names[n.ID]
	var out [][3]string
	if g.shift[n.ID] {
		_, _, m, ck, ro := g.shiftDims(n)
		out = append(out, [3]string{name + "A", fmt.Sprint(m * ck), "one sample's coefficient block A of " + n.Name + "'s shifted-kernel Jacobian"})
		if g.shiftRev[n.ID] {
			out = append(out,
				[3]string{name + "AB", fmt.Sprint(m * ck), "its cotangent J̄·Bᵀ"},
				[3]string{name + "GS", fmt.Sprint(ck * ro), "gradient of the shifted-kernel matrix B"})
		}
	}
	if g.dB[n.ID] {
		out = append(out, [3]string{name + "DB", fmt.Sprintf("c * %d", n.Shape.Size()), "cotangent of σ′ of " + n.Name + " (its Jacobian cotangent contracted with the kernel)"})
	}
	return out
}

func (g *gen) packedFn() string {
	if g.is32 {
		return "SgemmPacked"
	}
	return "DgemmPacked"
}

// shiftFwd emits the Jacobian of the ShiftRF convolution n: per sample the
// coefficient block A and J = A·B.
func (g *gen) shiftFwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	h, _, m, ck, ro := g.shiftDims(n.Node)
	hs := h.Shape.Size()
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("receptive-field Jacobian by shifted-kernel GEMM: per sample J = A·B, (%d×%d)·(%d×%d), one row per output", m, ck, ck, ro))),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			kcall("ShiftCoef", "w."+name+"A", fmt.Sprintf("w.%sD1[b*%d:(b+1)*%d]", g.names[h.ID], hs, hs), g.param(n.W), "w."+name+"Geom"),
			jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Lit(m), jen.Lit(1), jen.Id("w."+name+"A"), jen.Lit(ck), jen.Op("&").Id("m."+name+"Shift"), jen.Lit(0),
				jen.Id(fmt.Sprintf("w.%sRF[b*%d:(b+1)*%d]", name, m*ro, m*ro)), jen.Lit(ro))),
	}
}

// shiftBwd emits the reverse of shiftFwd: per sample Ā = J̄·Bᵀ,
// B̄ += Aᵀ·J̄, and Ā into the cotangent of h's σ′ and n's kernel gradient;
// then B̄ folded into the first layer's kernel gradient.
func (g *gen) shiftBwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	h, c, m, ck, ro := g.shiftDims(n.Node)
	hs := h.Shape.Size()
	d := fmt.Sprintf("w.%sD1[b*%d:(b+1)*%d]", g.names[h.ID], hs, hs)
	jb := fmt.Sprintf("w.%sRFB[b*%d:(b+1)*%d]", name, m*ro, m*ro)
	W := g.param(n.W)
	return []jen.Code{
		jen.Comment(LineComment("shifted-kernel cotangents: Ā = J̄·Bᵀ, B̄ += Aᵀ·J̄, then Ā into σ′'s cotangent and W̄, B̄ into the first kernel's W̄")),
		raw("clear(w.%sGS)", name),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			raw("jb := %s", jb),
			kcall("ShiftCoef", "w."+name+"A", d, W, "w."+name+"Geom"),
			jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Lit(m), jen.Lit(1), jen.Id("jb"), jen.Lit(ro), jen.Op("&").Id("m."+name+"ShiftT"), jen.Lit(0), jen.Id("w."+name+"AB"), jen.Lit(ck)),
			g.gemm(true, false, "1", "1",
				[3]string{fmt.Sprint(m), fmt.Sprint(ck), "w." + name + "A"},
				[3]string{fmt.Sprint(m), fmt.Sprint(ro), "jb"},
				[3]string{fmt.Sprint(ck), fmt.Sprint(ro), "w." + name + "GS"}),
			jen.Comment("A is spent: its first rows are ShiftCoefTAdd's scratch"),
			kcall("ShiftCoefTAdd", fmt.Sprintf("w.%sDB[b*%d:(b+1)*%d]", g.names[h.ID], hs, hs), g.gradOf(n.W), "w."+name+"AB", d, W, "w."+name+"A", "w."+name+"Geom"),
		),
		kcall("ShiftFold", g.gradOf(c.W), "w."+name+"GS", "m."+name+"ShiftGeom"),
	}
}
