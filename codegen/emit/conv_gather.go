package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Gathered convolutions (plan.Gather): a convolution of a one-channel
// field with a tied kernel computed by the orbit sums of its input, G =
// kern.GatherOrbits(x) (T sums per site), then y = G·Ω (one GEMM, Ω the
// T × Cout matrix of the kernel's orbit entries); the adjoint is H = ȳ·Ωᵀ
// and x̄ += kern.ScatterOrbitsAdd(H), and Ω̄ = Gᵀ·ȳ, folded into the
// kernel's gradient (kern.GatherFold). See runtime/kern/convgather.go. The
// model holds Ω (…Gather) packed for both products (…GatFwd, …GatBwd) and
// the orbit sums' tables (…GatGeom); G and H live in the workspace's cols
// scratch.

// gather reports whether the convolution n goes by orbit sums.
func (g *gen) gather(n *ir.Node) bool { return g.pm.Gather(n) }

// gatherOrbits returns the number T of the convolution n's tap orbits.
func gatherOrbits(n *ir.Node) int {
	_, T := plan.KernelOrbits(n)
	return T
}

// gatherFields declares the model's matrices and tables of n.
func (g *gen) gatherFields(n *ir.Node, packT string) []jen.Code {
	name := g.names[n.ID]
	return []jen.Code{
		jen.Id(name + "Gather").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's kernel by tap orbits, Ω (%d×%d), refreshed by Sync", n.Name, gatherOrbits(n), n.Out))),
		jen.Id(name+"GatFwd").Qual(pathGemm, packT).Comment(LineComment("Ω packed for y = G·Ω")),
		jen.Id(name+"GatBwd").Qual(pathGemm, packT).Comment(LineComment("Ωᵀ packed for H = ȳ·Ωᵀ")),
		jen.Id(name+"GatGeom").Op("*").Qual(pathKern, "GatherGeom").Comment(LineComment("the orbit sums of the input and their adjoint")),
	}
}

// gatherNew allocates them in New.
func (g *gen) gatherNew(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	s := g.p.Nodes[n.Inputs[0]].Shape
	orbit, k := g.orbitArg(n)
	return []jen.Code{
		raw("m.%sGather = make([]%s, %d)", name, g.T, gatherOrbits(n)*n.Out),
		jen.Id("m."+name+"GatGeom").Op("=").Qual(pathKern, "NewGatherGeom").Call(
			jen.Qual(pathKern, "NewConvGeom").Call(jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(1), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)),
			orbit, jen.Lit(k)),
	}
}

// gatherSync builds and packs Ω in Sync (after the tied kernel is
// expanded).
func (g *gen) gatherSync(n *ir.Node) []jen.Code {
	name, T := g.names[n.ID], gatherOrbits(n)
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("%s: its kernel by tap orbits, packed for G·Ω and ȳ·Ωᵀ", n.Name))),
		kcall("GatherMatrix", "m."+name+"Gather", g.param(n.W), "m."+name+"GatGeom"),
		raw("m.%sGatFwd.Pack(false, %d, %d, m.%sGather, %d)", name, T, n.Out, name, n.Out),
		raw("m.%sGatBwd.Pack(true, %d, %d, m.%sGather, %d)", name, n.Out, T, name, n.Out),
	}
}

// gatherFwd prints the gathered convolution of cnt fields of src
// (starting at row expression off, k fields per sample) into dst:
//
//	kern.GatherOrbits(cols, x[rows], cnt, geom); Gemm(cols, Ω, y[rows])
func (g *gen) gatherFwd(n *ir.Node, src, dst, off, cnt string, k int) []jen.Code {
	name, T := g.names[n.ID], gatherOrbits(n)
	S := g.p.Nodes[n.Inputs[0]].Shape.Sites()
	return []jen.Code{
		kcall("GatherOrbits", "w.cols", rows(src, off, cnt, S), cnt, "m."+name+"GatGeom"),
		g.packedGemm(times("nb", k*S), nbHead("w.cols", k*S*T), T, name+"GatFwd", "0", rows(dst, off, cnt, S*n.Out), n.Out),
	}
}

// gatherTranspose prints x̄ += (the convolution's adjoint)(ȳ) on cnt
// fields:
//
//	Gemm(ȳ[rows], Ωᵀ, cols); kern.ScatterOrbitsAdd(x̄[rows], cols, cnt, geom)
func (g *gen) gatherTranspose(n *ir.Node, yb, xb, off, cnt string, k int) []jen.Code {
	name, T := g.names[n.ID], gatherOrbits(n)
	S := g.p.Nodes[n.Inputs[0]].Shape.Sites()
	return []jen.Code{
		g.packedGemm(times("nb", k*S), rows(yb, off, cnt, S*n.Out), n.Out, name+"GatBwd", "0", nbHead("w.cols", k*S*T), T),
		kcall("ScatterOrbitsAdd", rows(xb, off, cnt, S), "w.cols", cnt, "m."+name+"GatGeom"),
	}
}

// gatherWeightGrad prints the kernel gradient of a gathered convolution:
//
//	per run of row segments: kern.GatherOrbits(cols, x[rows], …); Gemm(colsᵀ, h̄[rows], Ω̄) (β = 0, then 1)
//	kern.GatherFold(K̄, Ω̄, geom)
func (g *gen) gatherWeightGrad(pl *plan.Plan, n *plan.Node, segs []int, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W, name, T := pl.Width, g.names[n.ID], gatherOrbits(n.Node)
	S := in.Shape.Sites()
	var out []jen.Code
	beta := "0"
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(W)
		M := times("nb", r.cnt.n(W)*S)
		out = append(out,
			kcall("GatherOrbits", "w.cols", rows(h, r.off.expr(W), c, in.Size), c, "m."+name+"GatGeom"),
			g.gemm(true, false, "1", beta,
				[3]string{M, fmt.Sprint(T), nbHead("w.cols", r.cnt.n(W)*S*T)},
				[3]string{M, fmt.Sprint(n.Out), rows(nB, r.off.expr(W), c, n.Size)},
				[3]string{fmt.Sprint(T), fmt.Sprint(n.Out), "w." + name + "GGat"}))
		beta = "1"
	}
	return append(out, jen.Comment("fold the orbit matrix's gradient back into the kernel"),
		kcall("GatherFold", gW, "w."+name+"GGat", "m."+name+"GatGeom"))
}
