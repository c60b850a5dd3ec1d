package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Orbit-factored receptive-field Jacobians (plan.Factored): the Jacobian of
// a convolution n of h = σ(c), c a convolution of the input, from R = D·P,
// one GEMM of σ′ (D) with the constant matrix P of products of both
// kernels' orbit entries, and a fixed sparse map of R to each site's window
// (see runtime/kern/convfactor.go). The model holds P (…FactorM) packed for
// D·P (…Factor) and for R̄·Pᵀ (…FactorT), refreshed by Sync, and the map
// (…FactorGeom); the workspace keeps R (…FR) from the forward sweep for
// the reverse one.

// factorShape returns the planned shape of the Factored convolution n.
func (g *gen) factorShape(n *ir.Node) plan.FactorShape { return g.pm.FactorShape(n) }

// factorFields declares the model's factored matrices and geometry of n.
func (g *gen) factorFields(n *ir.Node, packT string) []jen.Code {
	name := g.names[n.ID]
	f := g.factorShape(n)
	return []jen.Code{
		jen.Id(name + "FactorM").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's and %s's kernel orbit products, P (%d×%d), refreshed by Sync", f.C.Name, n.Name, f.Cin, f.Width()))),
		jen.Id(name+"Factor").Qual(pathGemm, packT).Comment(LineComment("P packed for R = D·P")),
		jen.Id(name+"FactorT").Qual(pathGemm, packT).Comment(LineComment("Pᵀ packed for D̄ = R̄·Pᵀ")),
		jen.Id(name+"FactorGeom").Op("*").Qual(pathKern, "FactorGeom").Comment(LineComment("the orbits and the sparse map of R to the windows")),
	}
}

// orbitArg returns the orbit table of the convolution n's kernel as an
// argument of kern.NewFactorGeom: its Orbit variable, or nil when untied.
func (g *gen) orbitArg(n *ir.Node) (jen.Code, int) {
	_, k := plan.KernelOrbits(n)
	if n.Tie == "" {
		return jen.Nil(), k
	}
	return jen.Id(g.names[n.ID] + "Orbit"), k
}

// factorNew allocates them in New.
func (g *gen) factorNew(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	f := g.factorShape(n)
	s := f.H.Shape
	o1, n1 := g.orbitArg(f.C)
	o2, n2 := g.orbitArg(n)
	return []jen.Code{
		raw("m.%sFactorM = make([]%s, %d)", name, g.T, f.Cin*f.Width()),
		jen.Id("m."+name+"FactorGeom").Op("=").Qual(pathKern, "NewFactorGeom").Call(
			jen.Qual(pathKern, "NewRFGeom").Call(
				jen.Qual(pathKern, "NewConvGeom").Call(jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)), windowLit(f.InWindow)),
			o1, jen.Lit(n1), o2, jen.Lit(n2)),
	}
}

// factorSync builds and packs P in Sync (after both layers' tied kernels
// are expanded).
func (g *gen) factorSync(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	f := g.factorShape(n)
	N := f.Width()
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("%s: the products of %s's and its kernel orbits, packed for D·P and R̄·Pᵀ", n.Name, f.C.Name))),
		kcall("FactorMatrix", "m."+name+"FactorM", g.param(f.C.W), g.param(n.W), "m."+name+"FactorGeom"),
		raw("m.%sFactor.Pack(false, %d, %d, m.%sFactorM, %d)", name, f.Cin, N, name, N),
		raw("m.%sFactorT.Pack(true, %d, %d, m.%sFactorM, %d)", name, N, f.Cin, name, N),
	}
}

// factorBuffers lists the workspace buffers (name, size, comment) of a
// Factored convolution.
func (g *gen) factorBuffers(n *ir.Node) [][3]string {
	name := g.names[n.ID]
	f := g.factorShape(n)
	out := [][3]string{
		{name + "FR", chunkLen(f.Sites*f.Width(), 0, 1), "R = σ′·P (the factored Jacobian of " + n.Name + "), kept for the reverse sweep"},
		{name + "FJ", fmt.Sprint(f.Ro * f.Cout), "one site's window Jacobian (scratch)"},
	}
	if g.pm.Workspace.FactorRev[n.ID] {
		out = append(out,
			[3]string{name + "FRB", chunkLen(f.Sites*f.Width(), 0, 1), "its cotangent R̄"},
			[3]string{name + "GP", fmt.Sprint(f.Cin * f.Width()), "gradient of the orbit products P"})
	}
	return out
}

// factorFwd emits the Jacobian of the Factored convolution n: R = D·P over
// the chunk, one GEMM, and the squared row norms of the windows it maps to.
func (g *gen) factorFwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	f := g.factorShape(n.Node)
	N := f.Width()
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("orbit-factored receptive-field Jacobian: R = D·P, (nb·%d×%d)·(%d×%d), D = σ′ of %s; q from its %d×%d windows", f.Sites, f.Cin, f.Cin, N, f.H.Name, f.Window.R1, f.Window.R2))),
		jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Id(times("nb", f.Sites)), jen.Lit(1), jen.Id(nbHead("w."+g.names[f.H.ID]+"D1", f.H.Shape.Size())), jen.Lit(f.Cin), jen.Op("&").Id("m."+name+"Factor"), jen.Lit(0),
			jen.Id(nbHead("w."+name+"FR", f.Sites*N)), jen.Lit(N)),
		kcall("FactorNorms", "w."+name+"Q", "w."+name+"FR", "w."+name+"FJ", "nb", "m."+name+"FactorGeom"),
	}
}

// factorTileBytes bounds the bytes of R̄ that the reverse sweep builds and
// reads at a time (factorBwd): a tile of samples whose R̄ stays in a core's
// L2 cache while the sparse map's axpys write it and the GEMM D̄ = R̄·Pᵀ
// reads it back.
const factorTileBytes = 1 << 20

// factorTile returns the samples of a tile of the reverse sweep's R̄ for
// the factored shape f: as many as fit in factorTileBytes, at least one.
func (g *gen) factorTile(f plan.FactorShape) int {
	return max(1, factorTileBytes/(f.Sites*f.Width()*g.elemSize()))
}

// factorBwd emits the reverse of factorFwd for J̄ = diag(e)·J: R̄ through
// the sparse map's transpose and D̄ = R̄·Pᵀ into the cotangent of h's σ′,
// a tile of samples at a time (factorTile) so that each tile's R̄ is still
// in cache for the GEMM, then P̄ = Dᵀ·R̄ over the chunk, folded into both
// kernels' gradients. R is the forward sweep's. Every sample's and row's
// results are those of one pass over the chunk: the map works sample by
// sample and the GEMM row by row, and P̄ still sums the whole chunk at once.
func (g *gen) factorBwd(n *plan.Node) []jen.Code {
	name := g.names[n.ID]
	f := g.factorShape(n.Node)
	N, hs := f.Width(), f.H.Shape.Size()
	M := times("nb", f.Sites)
	rb := nbHead("w."+name+"FRB", f.Sites*N)
	d := nbHead("w."+g.names[f.H.ID]+"D1", hs)
	ts := g.factorTile(f)
	// A tile of tb samples from b0 (one sample: b0 alone).
	tb, head, loop, what := "tb", []jen.Code{raw("tb := min(%d, nb-b0)", ts)}, jen.For(raw("b0 := 0"), raw("b0 < nb"), raw("b0 += %d", ts)), fmt.Sprintf("%d samples", ts)
	tileRows := times(tb, f.Sites)
	if ts == 1 {
		tb, head, loop, what, tileRows = "1", nil, jen.For(raw("b0 := range nb")), "one sample", fmt.Sprint(f.Sites)
	}
	tile := append(head,
		raw("rb := %s", rows("w."+name+"FRB", "b0", tb, f.Sites*N)),
		raw("clear(rb)"),
		kcall("FactorBack", "rb", rows("w."+name+"FR", "b0", tb, f.Sites*N), rows("w."+name+"E", "b0", tb, f.Sites*f.Cout), "w."+name+"FJ", tb, "m."+name+"FactorGeom"),
		jen.Qual(pathGemm, g.packedFn()).Call(jen.False(), jen.Id(tileRows), jen.Lit(1), jen.Id("rb"), jen.Lit(N), jen.Op("&").Id("m."+name+"FactorT"), jen.Lit(1),
			jen.Id(rows("w."+g.names[f.H.ID]+"DB", "b0", tb, hs)), jen.Lit(f.Cin)),
	)
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("orbit-factored cotangents, %s at a time (%d KiB of R̄, kept in cache for the GEMM): R̄ from diag(e)·J, D̄ = R̄·Pᵀ into σ′'s cotangent; then P̄ = Dᵀ·R̄ into both kernels' W̄", what, ts*f.Sites*N*g.elemSize()/1024))),
		loop.Block(tile...),
		g.gemm(true, false, "1", "0",
			[3]string{M, fmt.Sprint(f.Cin), d},
			[3]string{M, fmt.Sprint(N), rb},
			[3]string{fmt.Sprint(f.Cin), fmt.Sprint(N), "w." + name + "GP"}),
		kcall("FactorFold", g.gradOf(f.C.W), g.gradOf(n.W), "w."+name+"GP", g.param(f.C.W), g.param(n.W), "m."+name+"FactorGeom"),
	}
}

// elemSize returns the bytes of the kernels' element type.
func (g *gen) elemSize() int {
	if g.is32 {
		return 4
	}
	return 8
}
