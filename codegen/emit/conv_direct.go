package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Direct convolutions (plan.Direct): a convolution with a tied kernel
// computed by its tap orbits, Z = x·Ω (one GEMM, Ω the Cin × T·Cout matrix
// of the kernel's orbit entries) and y = kern.DirectSum(Z), without im2col;
// the adjoint gathers ȳ by orbit into Z̄ (kern.DirectGather), then x̄ +=
// Z̄·Ωᵀ and Ω̄ = Z̄ᵀ·x, folded into the kernel's gradient (kern.DirectFold).
// See runtime/kern/convdirect.go. The model holds Ωᵀ (…Direct) packed for
// both products (…DirFwd, …DirBwd) and the row sums' tables (…DirGeom);
// Z and Z̄ live in the workspace's cols scratch.

// direct reports whether the convolution n goes direct.
func (g *gen) direct(n *ir.Node) bool { return g.pm.Direct(n) }

// directDims returns the input channels and the width T·Cout of Z.
func (g *gen) directDims(n *ir.Node) (cin, width int) {
	return g.p.Nodes[n.Inputs[0]].Shape.C, plan.DirectWidth(n)
}

// directFields declares the model's matrices and tables of n.
func (g *gen) directFields(n *ir.Node, packT string) []jen.Code {
	name := g.names[n.ID]
	cin, wd := g.directDims(n)
	return []jen.Code{
		jen.Id(name + "Direct").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's kernel by tap orbits, Ωᵀ (%d×%d), refreshed by Sync", n.Name, wd, cin))),
		jen.Id(name+"DirFwd").Qual(pathGemm, packT).Comment(LineComment("Ω packed for Z = x·Ω")),
		jen.Id(name+"DirBwd").Qual(pathGemm, packT).Comment(LineComment("Ωᵀ packed for x̄ += Z̄·Ωᵀ")),
		jen.Id(name+"DirGeom").Op("*").Qual(pathKern, "DirectGeom").Comment(LineComment("the row sums of Z and of ȳ")),
	}
}

// directNew allocates them in New.
func (g *gen) directNew(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	cin, wd := g.directDims(n)
	s := g.p.Nodes[n.Inputs[0]].Shape
	orbit, k := g.orbitArg(n)
	return []jen.Code{
		raw("m.%sDirect = make([]%s, %d)", name, g.T, wd*cin),
		jen.Id("m."+name+"DirGeom").Op("=").Qual(pathKern, "NewDirectGeom").Call(
			jen.Qual(pathKern, "NewConvGeom").Call(jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)),
			orbit, jen.Lit(k)),
	}
}

// directSync builds and packs Ωᵀ in Sync (after the tied kernel is
// expanded).
func (g *gen) directSync(n *ir.Node) []jen.Code {
	name := g.names[n.ID]
	cin, wd := g.directDims(n)
	return []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("%s: its kernel by tap orbits, packed for x·Ω and Z̄·Ωᵀ", n.Name))),
		kcall("DirectMatrix", "m."+name+"Direct", g.param(n.W), "m."+name+"DirGeom"),
		raw("m.%sDirFwd.Pack(true, %d, %d, m.%sDirect, %d)", name, cin, wd, name, cin),
		raw("m.%sDirBwd.Pack(false, %d, %d, m.%sDirect, %d)", name, wd, cin, name, cin),
	}
}

// dgemm emits a product with the direct convolution n's packed Ω: forward
// C = β·C + A·Ω (A is m×Cin, C is m×T·Cout), or backward C = β·C + A·Ωᵀ
// (A is m×T·Cout, C is m×Cin).
func (g *gen) dgemm(n *ir.Node, backward bool, m, a, beta, c string) *jen.Statement {
	cin, wd := g.directDims(n)
	name, lda, ldc := g.names[n.ID]+"DirFwd", cin, wd
	if backward {
		name, lda, ldc = g.names[n.ID]+"DirBwd", wd, cin
	}
	return g.packedGemm(m, a, lda, name, beta, c, ldc)
}

// directFwd prints the direct convolution of cnt fields of src (starting at
// row expression off) into dst:
//
//	Gemm(x[rows], Ω, cols); kern.DirectSum(y[rows], cols, cnt, geom)
func (g *gen) directFwd(n *ir.Node, src, dst, off, cnt string, k int) []jen.Code {
	name := g.names[n.ID]
	cin, wd := g.directDims(n)
	S := g.p.Nodes[n.Inputs[0]].Shape.Sites()
	return []jen.Code{
		g.dgemm(n, false, times("nb", k*S), rows(src, off, cnt, S*cin), "0", nbHead("w.cols", k*S*wd)),
		kcall("DirectSum", rows(dst, off, cnt, S*n.Out), "w.cols", cnt, "m."+name+"DirGeom"),
	}
}

// directTranspose prints x̄ += (the convolution's adjoint)(ȳ) on cnt fields:
//
//	kern.DirectGather(cols, ȳ[rows], cnt, geom); Gemm(cols, Ωᵀ, x̄[rows])
func (g *gen) directTranspose(n *ir.Node, yb, xb, off, cnt string, k int) []jen.Code {
	name := g.names[n.ID]
	cin, wd := g.directDims(n)
	S := g.p.Nodes[n.Inputs[0]].Shape.Sites()
	src := rows(yb, off, cnt, S*n.Out)
	g.gathered = directGatherKey(name, src)
	return []jen.Code{
		kcall("DirectGather", "w.cols", src, cnt, "m."+name+"DirGeom"),
		g.dgemm(n, true, times("nb", k*S), nbHead("w.cols", k*S*wd), "1", rows(xb, off, cnt, S*cin)),
	}
}

// directGatherKey names the gather of the cotangent rows src of the direct
// convolution name into w.cols: two gathers with the same key write the
// same Z̄ while the rows are unchanged.
func directGatherKey(name, src string) string { return name + "|" + src }

// directWeightGrad prints the kernel gradient of a direct convolution:
//
//	per run of row segments: kern.DirectGather(cols, h̄[rows], …); Gemm(colsᵀ, x[rows], Ω̄) (β = 0, then 1)
//	kern.DirectFold(K̄, Ω̄, geom)
//
// A run's gather is left out where w.cols still holds it (g.gathered: the
// adjoint's last gather, directTranspose, read the same cotangent rows).
func (g *gen) directWeightGrad(pl *plan.Plan, n *plan.Node, segs []int, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W, name := pl.Width, g.names[n.ID]
	cin, wd := g.directDims(n.Node)
	S := in.Shape.Sites()
	var out []jen.Code
	beta := "0"
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(W)
		M := times("nb", r.cnt.n(W)*S)
		src := rows(nB, r.off.expr(W), c, n.Size)
		if key := directGatherKey(name, src); key != g.gathered {
			out = append(out, kcall("DirectGather", "w.cols", src, c, "m."+name+"DirGeom"))
			g.gathered = key
		} else {
			out = append(out, jen.Comment("w.cols still holds these rows' Z̄ from the adjoint above"))
		}
		out = append(out,
			g.gemm(true, false, "1", beta,
				[3]string{M, fmt.Sprint(wd), nbHead("w.cols", r.cnt.n(W)*S*wd)},
				[3]string{M, fmt.Sprint(cin), rows(h, r.off.expr(W), c, in.Size)},
				[3]string{fmt.Sprint(wd), fmt.Sprint(cin), "w." + name + "GDir"}))
		beta = "1"
	}
	return append(out, jen.Comment("fold the tap-orbit matrix's gradient back into the kernel"),
		kcall("DirectFold", gW, "w."+name+"GDir", "m."+name+"DirGeom"))
}
