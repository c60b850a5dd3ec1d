package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Shifted-kernel GEMMs (plan.ShiftRF): the receptive-field Jacobian of a
// convolution n of h = σ(c), c a convolution of the input, is J = X·B over
// the whole chunk, with X the im2col of σ′ (kept in the workspace from the
// forward sweep for the reverse one) and B the constant matrix of c's
// shifted kernels weighted by n's (see runtime/kern/convgemm.go). The model
// holds B (…ShiftM) packed for X·B (…Shift) and for J̄·Bᵀ (…ShiftT),
// refreshed by Sync.

// shiftDims returns, for the ShiftRF convolution n, its input h, h's input
// c (the first convolution), the sites, the width of X (Cin·K²) and of B
// (Cout·window), as planned (plan.Model.ShiftDims).
func (g *gen) shiftDims(n *ir.Node) (h, c *ir.Node, sites, ck, nn int) {
	return g.pm.ShiftDims(n)
}

// shiftFields declares the model's shifted-kernel matrices of n.
func (g *gen) shiftFields(n *ir.Node, packT string) []jen.Code {
	name := g.names[n.ID]
	_, c, _, ck, nn := g.shiftDims(n)
	return []jen.Code{
		jen.Id(name + "ShiftM").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's shifted %s kernels weighted by its own, B (%d×%d), refreshed by Sync", n.Name, c.Name, ck, nn))),
		jen.Id(name+"Shift").Qual(pathGemm, packT).Comment(LineComment("B packed for the Jacobian product X·B")),
		jen.Id(name+"ShiftT").Qual(pathGemm, packT).Comment(LineComment("Bᵀ packed for the cotangent product J̄·Bᵀ")),
		jen.Id(name+"ShiftGeom").Op("*").Qual(pathKern, "RFGeom").Comment(LineComment("where each of B's entries comes from")),
	}
}

// shiftNew allocates them in New.
func (g *gen) shiftNew(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	h, _, _, ck, nn := g.shiftDims(n)
	s := h.Shape
	in := g.plans[plan.Laplacian].Nodes[h.ID].Window
	return []jen.Code{
		raw("m.%sShiftM = make([]%s, %d)", name, g.T, ck*nn),
		jen.Id("m."+name+"ShiftGeom").Op("=").Qual(pathKern, "NewRFGeom").Call(
			jen.Qual(pathKern, "NewConvGeom").Call(jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)), windowLit(in)),
	}
}

// shiftSync builds and packs B in Sync (after both layers' tied kernels
// are expanded: c precedes n, and n's own expansion comes first).
func (g *gen) shiftSync(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	_, c, _, ck, nn := g.shiftDims(n)
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("%s: the matrix of %s's shifted kernels weighted by %s's, packed for X·B and J̄·Bᵀ", n.Name, c.Name, n.Name))),
		kcall("ShiftMatrix", "m."+name+"ShiftM", g.param(c.W), g.param(n.W), "m."+name+"ShiftGeom"),
		raw("m.%sShift.Pack(false, %d, %d, m.%sShiftM, %d)", name, ck, nn, name, nn),
		raw("m.%sShiftT.Pack(true, %d, %d, m.%sShiftM, %d)", name, nn, ck, name, nn),
	}
}

// shiftBuffers lists the workspace buffers (name, size, comment) of a
// ShiftRF or Factored convolution or of a ConvScaled activation.
func (g *gen) shiftBuffers(n *ir.Node) [][3]string {
	name := g.names[n.ID]
	var out [][3]string
	if g.shift[n.ID] {
		_, _, sites, ck, nn := g.shiftDims(n)
		out = append(out, [3]string{name + "ShiftX", chunkLen(sites*ck, 0, 1), "im2col of σ′ (the left factor X of " + n.Name + "'s shifted-kernel Jacobian), kept for the reverse sweep"})
		if g.shiftRev[n.ID] {
			out = append(out,
				[3]string{name + "ShiftXB", chunkLen(sites*ck, 0, 1), "its cotangent J̄·Bᵀ"},
				[3]string{name + "GS", fmt.Sprint(ck * nn), "gradient of the shifted-kernel matrix B"})
		}
	}
	if g.factor[n.ID] {
		out = append(out, g.factorBuffers(n)...)
	}
	if g.dB[n.ID] {
		out = append(out, [3]string{name + "DB", chunkLen(n.Shape.Size(), 0, 1), "cotangent of σ′ of " + n.Name + " (its Jacobian cotangent contracted with the kernel)"})
	}
	return out
}

func (g *gen) packedFn() string {
	if g.is32 {
		return "SgemmPacked"
	}
	return "DgemmPacked"
}

// packedGemm emits C = beta·C + A·B with B one of the model's pre-packed
// matrices (m.packed): A is m×lda (rows), C is m×ldc.
func (g *gen) packedGemm(m, a string, lda int, packed, beta, c string, ldc int) *jen.Statement {
	return jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Id(m), jen.Lit(1), jen.Id(a), jen.Lit(lda), jen.Op("&").Id("m."+packed), jen.Id(beta), jen.Id(c), jen.Lit(ldc))
}

// shiftFwd emits the Jacobian of the ShiftRF convolution n: X, the im2col
// of h's σ′ over the chunk, and J = X·B, one GEMM.
func (g *gen) shiftFwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	h, _, sites, ck, nn := g.shiftDims(n.Node)
	hs := h.Shape.Size()
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("receptive-field Jacobian by shifted-kernel GEMM: J = X·B, (nb·%d×%d)·(%d×%d), X the im2col of σ′", sites, ck, ck, nn))),
		kcall("Im2Col", "w."+name+"ShiftX", nbHead("w."+g.names[h.ID]+"D1", hs), "nb", "w."+name+"Geom"),
		jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Id(times("nb", sites)), jen.Lit(1), jen.Id(nbHead("w."+name+"ShiftX", sites*ck)), jen.Lit(ck), jen.Op("&").Id("m."+name+"Shift"), jen.Lit(0),
			jen.Id(nbHead("w."+name+"RF", sites*nn)), jen.Lit(nn)),
	}
}

// shiftBwd emits the reverse of shiftFwd: X̄ = J̄·Bᵀ into the cotangent of
// h's σ′ (Col2ImAdd), B̄ = Xᵀ·J̄ over the chunk, folded into both kernels'
// gradients. X is the forward sweep's.
func (g *gen) shiftBwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	h, c, sites, ck, nn := g.shiftDims(n.Node)
	hs := h.Shape.Size()
	M := times("nb", sites)
	x := nbHead("w."+name+"ShiftX", sites*ck)
	xb := nbHead("w."+name+"ShiftXB", sites*ck)
	jb := nbHead("w."+name+"RFB", sites*nn)
	return []jen.Code{
		jen.Comment(LineComment("shifted-kernel cotangents: X̄ = J̄·Bᵀ into σ′'s cotangent, B̄ = Xᵀ·J̄ into both kernels' W̄")),
		jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), raw("%s", M), jen.Lit(1), jen.Id(jb), jen.Lit(nn), jen.Op("&").Id("m."+name+"ShiftT"), jen.Lit(0), jen.Id(xb), jen.Lit(ck)),
		kcall("Col2ImAdd", nbHead("w."+g.names[h.ID]+"DB", hs), xb, "nb", "w."+name+"Geom"),
		g.gemm(true, false, "1", "0",
			[3]string{M, fmt.Sprint(ck), x},
			[3]string{M, fmt.Sprint(nn), jb},
			[3]string{fmt.Sprint(ck), fmt.Sprint(nn), "w." + name + "GS"}),
		kcall("ShiftFold", g.gradOf(c.W), g.gradOf(n.W), "w."+name+"GS", g.param(c.W), g.param(n.W), "m."+name+"ShiftGeom"),
	}
}
