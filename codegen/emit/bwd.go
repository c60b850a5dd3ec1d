package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// bwdGrad emits backpropagation of φ's value rows: ∇φ lands in the input's
// cotangent rows.
func (g *gen) bwdGrad() {
	pl := g.plans[plan.Values]
	g.used = map[int]bool{}
	g.rev = false
	var body []jen.Code
	for _, n := range pl.Nodes {
		body = append(body, raw("clear(rows(w.%sB, 0, nb, %d))", g.names[n.ID], n.Size))
	}
	out := g.names[g.p.Output]
	body = append(body, jen.For(raw("b := 0; b < nb; b++")).Block(raw("w.%sB[b] = 1", out)))
	for i := len(pl.Nodes) - 1; i >= 1; i-- {
		n := pl.Nodes[i]
		body = append(body, jen.Comment(LineComment(g.pos(n.Node)+"  "+g.formula(n.Node)+"  (backpropagation)")))
		body = append(body, g.gateCotangents(pl, n, []int{segV})...)
		body = append(body, g.transpose(pl, n, []int{segV})...)
	}
	g.f.Comment("bwdGrad backpropagates ∂φ/∂(every node) for the values of one chunk; ∇φ ends")
	g.f.Comment("in the input's cotangent rows. It uses σ′ from the forward pass.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("bwdGrad").Params(jen.Id("w").Op("*").Id("Workspace"), jen.Id("nb").Int()).
		Block(append(g.paramDecls(), body...)...)
}

// transpose emits the adjoint of node n's linear action on the given row
// segments of the cotangent stacks (without weight gradients), for the
// value-like rows; activations scale by σ′.
func (g *gen) transpose(pl *plan.Plan, n *plan.Node, segs []int) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	W := pl.Width
	nB := "w." + g.names[n.ID] + "B"
	var out []jen.Code
	switch n.Op {
	case ir.OpAct:
		for _, r := range g.runs(segs) {
			c := r.cnt.expr(W)
			out = append(out, jen.Block(
				raw("a, y := %s, %s", rows("w."+g.names[in.ID]+"B", r.off.expr(W), c, n.Size), rows(nB, r.off.expr(W), c, n.Size)),
				raw("d := %s", nbHead("w."+g.names[n.ID]+"D1", n.Size)),
				jen.Comment("σ′ of the value rows scales every block of nb rows"),
				jen.For(raw("off := 0; off < len(a); off += len(d)")).Block(
					raw("ao, yo := a[off:off+len(d)], y[off:off+len(d)]"),
					jen.For(raw("k, dk := range d")).Block(raw("ao[k] += dk * yo[k]")))))
		}
	case ir.OpDense:
		for _, r := range g.runs(segs) {
			c := r.cnt.expr(W)
			out = append(out, g.wgemm(n.Node, true, c, rows(nB, r.off.expr(W), c, n.Size), "1", rows("w."+g.names[in.ID]+"B", r.off.expr(W), c, in.Size)))
		}
	case ir.OpConv:
		out = g.convTranspose(pl, n, segs)
	default:
		for _, seg := range segs {
			do, cnt := g.layout(seg)
			c := cnt.expr(W)
			o := rows(nB, do.expr(W), c, n.Size)
			dstOf := func(p *plan.Node) string {
				so, _ := g.layout(seg)
				return rows("w."+g.names[p.ID]+"B", so.expr(W), c, p.Size)
			}
			switch n.Op {
			case ir.OpAdd:
				for _, j := range n.Inputs {
					p := pl.Nodes[j]
					if seg == segL && p.LZero || seg == segJ && !p.JBRows {
						continue
					}
					out = append(out, jen.Block(raw("x, o := %s, %s", dstOf(p), o), jen.For(raw("k := range o")).Block(raw("x[k] += o[k]"))))
				}
			case ir.OpScale:
				out = append(out, jen.Block(raw("x, o := %s, %s", dstOf(in), o), jen.For(raw("k := range o")).Block(raw("x[k] += %s", g.scaled(n.Scale, "o[k]")))))
			case ir.OpSum, ir.OpMean:
				f := 1.0
				if n.Op == ir.OpMean {
					f = 1 / float64(in.Size)
				}
				loop := []jen.Code{jen.For(raw("j := range x[r*%d : (r+1)*%d]", in.Size, in.Size)).Block(raw("x[r*%d+j] += v", in.Size))}
				if f != 1 {
					loop = append([]jen.Code{raw("v *= %s", g.fmtFloat(f))}, loop...)
				}
				out = append(out, jen.Block(raw("x, o := %s, %s", dstOf(in), o), jen.For(raw("r, v := range o")).Block(loop...)))
			case ir.OpPool:
				S, C := in.Shape.Sites(), in.Shape.C
				f := 1.0
				if n.Mean {
					f = 1 / float64(S)
				}
				out = append(out, jen.Block(raw("x, o := %s, %s", dstOf(in), o),
					kcall("PoolAdd", "x", "o", g.cvt(g.fmtFloat(f)), fmt.Sprintf("len(o)/%d", C), fmt.Sprint(S), fmt.Sprint(C))))
			}
		}
	}
	return out
}

// bwdReverse emits the reverse sweep of a reverse mode.
func (g *gen) bwdReverse(pl *plan.Plan) {
	g.used, g.usedGrad = map[int]bool{}, map[int]bool{}
	g.rev = true
	W := pl.Width
	var body []jen.Code
	for _, n := range pl.Nodes {
		end := off{3, 0} // v, t and ℓ rows
		if n.JBRows {
			end = off{3, 1}
		}
		body = append(body, raw("clear(rows(w.%sB, 0, %s, %d))", g.names[n.ID], end.expr(W), n.Size))
		if n.JBRF {
			body = append(body, raw("clear(%s)", nbHead("w."+g.names[n.ID]+"RFB", n.Shape.Sites()*n.Window.Size()*n.Shape.C)))
		}
		if n.JBShift {
			body = append(body, raw("clear(%s)", nbHead("w."+g.names[n.ID]+"DB", n.Size)))
		}
	}
	o := pl.Nodes[g.p.Output]
	oT, _ := g.layout(segT)
	oB := "w." + g.names[o.ID] + "B"
	body = append(body, jen.Comment("seed: G = c·φ + s·Δφ + (tangent of φ along u) = c·φ + s·Δφ + uᵀ∇φ"),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			jen.If(jen.Id("c != nil")).Block(raw("%s[b] = %s", oB, g.cvt("wt*c[b]"))),
			jen.If(jen.Id("s != nil")).Block(raw("%s[%s+b] = %s", oB, g.lStart(), g.cvt("wt*s[b]"))),
			raw("%s[%s+b] = %s", oB, oT.expr(W), g.cvt("wt")),
		))
	for i := len(pl.Nodes) - 1; i >= 1; i-- {
		n := pl.Nodes[i]
		body = append(body, jen.Comment(LineComment(fmt.Sprintf("%s  %s  (reverse)", g.pos(n.Node), g.formula(n.Node)))))
		body = append(body, g.revNode(pl, n)...)
	}
	name := "bwd" + fwdNames[pl.Mode]
	g.f.Comment(LineComment(fmt.Sprintf("%s is the reverse sweep of fwd%s: it seeds the output's cotangent", name, fwdNames[pl.Mode])))
	g.f.Comment("rows with (wt·c, wt·s, wt) and propagates value, Laplacian, tangent and Jacobian")
	g.f.Comment("cotangents back to the input, adding parameter gradients to grad.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(jen.Id("w").Op("*").Id("Workspace"), jen.Id("nb").Int(),
		jen.Id("c, s").Index().Float64(), jen.Id("wt").Float64(), jen.Id("grad").Index().Id(g.T)).
		Block(append(append(g.gradDecls(g.paramDecls()), body...), g.tieReduce()...)...)
}

// gradDecls adds the gradient views of the parameters used.
func (g *gen) gradDecls(decls []jen.Code) []jen.Code {
	for k, pr := range g.p.Params {
		if !g.usedGrad[k] {
			continue
		}
		if g.tied(k) {
			decls = append(decls, raw("%s := w.%sGFull", g.gradName(k), g.names[pr.Node]), raw("clear(%s)", g.gradName(k)))
			continue
		}
		decls = append(decls, raw("%s := %s", g.gradName(k), g.thetaSlice("grad", k)))
	}
	return decls
}

// tieReduce folds the gradients of tied kernels into θ̄.
func (g *gen) tieReduce() []jen.Code {
	var out []jen.Code
	for k, pr := range g.p.Params {
		if !g.usedGrad[k] || !g.tied(k) {
			continue
		}
		n := g.p.Nodes[pr.Node]
		out = append(out, jen.Comment(LineComment(fmt.Sprintf("%s: sum the full kernels' gradient over each orbit of tied offsets", pr.Name))),
			kcall("TieReduce", g.thetaSlice("grad", k), g.gradName(k), g.names[n.ID]+"Orbit", fmt.Sprint(pr.Shape[0]*pr.Shape[1]), fmt.Sprint(pr.Shape[2])))
	}
	return out
}

func (g *gen) gradName(k int) string {
	return "g" + exported(g.names[g.p.Params[k].Node]+exported(g.p.Params[k].Role[:1]))
}

func (g *gen) gradOf(k int) string {
	g.usedGrad[k] = true
	return g.gradName(k)
}

func (g *gen) revNode(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	W := pl.Width
	var out []jen.Code
	name := g.names[n.ID]
	// Fold row cotangents into the receptive-field form.
	if n.JBRF && n.JBRows {
		s := n.Shape
		out = append(out, jen.Qual(pathKern, "RFToRowsTAdd").Call(jen.Id("w."+name+"RFB"), jen.Id(rows("w."+name+"B", g.jStart(), times("nb", W), n.Size)),
			jen.Id("nb"), jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), windowLit(n.Window), jen.Lit(0), jen.Id(g.cvt("1"))))
	}
	all := []int{segV}
	if !in.LZero {
		all = append(all, segL)
	}
	if in.JBRows && n.JBRows {
		all = append(all, segJ)
	}
	all = append(all, segT)
	if in.ID == 0 {
		all = []int{segV} // only ∂G/∂x is needed of the input
	}
	switch n.Op {
	case ir.OpAct:
		return append(out, g.revAct(pl, n)...)
	case ir.OpDense:
		out = append(out, g.revGate(pl, n, all, g.weightSegs(pl, n))...)
		out = append(out, g.transpose(pl, n, all)...)
		out = append(out, g.weightGrad(pl, n)...)
	case ir.OpConv:
		// w.cols may carry the last orbit gather of the adjoint into the
		// kernel gradient (directWeightGrad), and no further.
		g.gathered = ""
		out = append(out, g.transpose(pl, n, all)...)
		out = append(out, g.weightGrad(pl, n)...)
		g.gathered = ""
	default:
		segs := []int{segV}
		if !n.LZero {
			segs = append(segs, segL)
		}
		rfIn := n.Kind == plan.Rows && in.Kind == plan.RF && !in.Rows
		if n.JBRows && !rfIn {
			segs = append(segs, segJ)
		}
		segs = append(segs, segT)
		out = append(out, g.transpose(pl, n, segs)...)
		if rfIn && n.JBRows {
			s := in.Shape
			reduce, f := rfReduce(n.Node, in.Node)
			out = append(out, jen.Qual(pathKern, "RFToRowsTAdd").Call(jen.Id("w."+g.names[in.ID]+"RFB"), jen.Id(rows("w."+name+"B", g.jStart(), times("nb", W), n.Size)),
				jen.Id("nb"), jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), windowLit(in.Window), jen.Lit(reduce), jen.Id(g.cvt(g.fmtFloat(f)))))
		}
	}
	return out
}

// convTranspose emits the adjoint of the convolution n on the given row
// segments: one product with its circulant matrix, the direct form
// (directTranspose), or a GEMM with the kernel and Col2ImAdd.
func (g *gen) convTranspose(pl *plan.Plan, n *plan.Node, segs []int) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	W := pl.Width
	nB, xB := "w."+g.names[n.ID]+"B", "w."+g.names[in.ID]+"B"
	S, ck := in.Shape.Sites(), in.Shape.C*n.K1*n.K2
	var out []jen.Code
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(W)
		switch {
		case g.circ(n.Node):
			out = append(out, g.wgemm(n.Node, true, c, rows(nB, r.off.expr(W), c, n.Size), "1", rows(xB, r.off.expr(W), c, in.Size)))
		case g.direct(n.Node):
			out = append(out, g.directTranspose(n.Node, nB, xB, r.off.expr(W), c, r.cnt.n(W))...)
		case g.gather(n.Node):
			out = append(out, g.gatherTranspose(n.Node, nB, xB, r.off.expr(W), c, r.cnt.n(W))...)
		default:
			out = append(out,
				g.wgemm(n.Node, true, times("nb", r.cnt.n(W)*S), rows(nB, r.off.expr(W), c, n.Size), "0", nbHead("w.cols", r.cnt.n(W)*S*ck)),
				kcall("Col2ImAdd", rows(xB, r.off.expr(W), c, in.Size), "w.cols", c, "w."+g.names[n.ID]+"Geom"))
		}
	}
	return out
}

// weightGrad emits θ̄ for a dense or convolution node: W̄ += Σ over rows of
// (cotangent of the output)ᵀ·(input), for values, ℓ, tangents and Jacobian
// rows, plus the special Jacobian forms; b̄ += Σ value cotangents.
func (g *gen) weightGrad(pl *plan.Plan, n *plan.Node) []jen.Code {
	gW := g.gradOf(n.W)
	segs := g.weightSegs(pl, n)
	if n.Op == ir.OpDense {
		return g.denseWeightGrad(pl, n, segs, gW)
	}
	return g.convWeightGrad(pl, n, segs, gW)
}

// weightSegs returns the row segments whose cotangents the weight gradient
// of node n multiplies.
func (g *gen) weightSegs(pl *plan.Plan, n *plan.Node) []int {
	in := pl.Nodes[n.Inputs[0]]
	segs := []int{segV}
	if !in.LZero {
		segs = append(segs, segL)
	}
	if n.JBRows && in.Rows {
		segs = append(segs, segJ)
	}
	return append(segs, segT)
}

// gradBufs returns the input of the dense or convolution node n, the name
// of n's cotangent stack (w.hB) and that of its input's stack (w.x), which
// the weight gradients multiply.
func (g *gen) gradBufs(pl *plan.Plan, n *plan.Node) (in *plan.Node, nB, h string) {
	in = pl.Nodes[n.Inputs[0]]
	return in, "w." + g.names[n.ID] + "B", "w." + g.names[in.ID]
}

// denseWeightGrad prints θ̄ of h = W·x + b, gW naming W̄:
//
//	Gemm(h̄[rows]ᵀ, x[rows], W̄) per run of row segments
//	the Jacobian terms (denseJacGrad)
//	kern.SumRows(b̄, h̄, nb, size)
func (g *gen) denseWeightGrad(pl *plan.Plan, n *plan.Node, segs []int, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W := pl.Width
	var out []jen.Code
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(W)
		out = append(out, g.gemm(true, false, "1", "1",
			[3]string{c, fmt.Sprint(n.Size), rows(nB, r.off.expr(W), c, n.Size)},
			[3]string{c, fmt.Sprint(in.Size), rows(h, r.off.expr(W), c, in.Size)},
			[3]string{fmt.Sprint(n.Size), fmt.Sprint(in.Size), gW}))
	}
	out = append(out, g.denseJacGrad(pl, n, gW)...)
	if n.B >= 0 && !g.gated(n.ID) { // a gated layer's b̄′ comes before h̄ ← s⊙h̄ (revGate)
		out = append(out, kcall("SumRows", g.gradOf(n.B), rows(nB, "0", "nb", n.Size), "nb", fmt.Sprint(n.Size)))
	}
	return out
}

// denseJacGrad prints the terms of W̄ that come from the special Jacobian
// forms of h = W·x + b:
//
//	kern.AddRowsT(W̄, J̄, …)                                (J_x = I)
//	for b { Gemm(J̄_bᵀ, W_prevᵀ, tmp); kern.AddColScaled(W̄, tmp, σ′_b) }  (rows from a scaled input)
//	if w.deferGrad { kern.AccumCols(…) } else { kern.AddDiagShared(W̄, …) }  (coefficients)
func (g *gen) denseJacGrad(pl *plan.Plan, n *plan.Node, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W, name := pl.Width, g.names[n.ID]
	var out []jen.Code
	switch {
	case n.JBRows && in.Kind == plan.Identity && !in.Rows:
		out = append(out, jen.Comment("J_x = I: W̄ += Σ_b J̄_b"),
			kcall("AddRowsT", gW, rows(nB, g.jStart(), times("nb", W), n.Size), "nb", fmt.Sprint(n.Size), "Dim"))
	case n.JBRows && n.RowsFromScaled:
		base := pl.Nodes[in.Base]
		out = append(out, jen.Comment("W̄ += Σ_b (J̄_bᵀ·W_prevᵀ)·diag(σ′_b)"),
			jen.For(raw("b := 0; b < nb; b++")).Block(
				g.gemm(true, true, "1", "0",
					[3]string{"Dim", fmt.Sprint(n.Size), rows(nB, plus(g.jStart(), times("b", W)), "Dim", n.Size)},
					[3]string{fmt.Sprint(in.Size), "Dim", g.param(base.W)},
					[3]string{fmt.Sprint(n.Size), fmt.Sprint(in.Size), "w.wtmp"}),
				kcall("AddColScaled", gW, "w.wtmp", rows(h+"D1", "b", "1", in.Size), fmt.Sprint(n.Size), fmt.Sprint(in.Size))))
	}
	if n.JBCoef {
		out = append(out, g.gateCoef(n)...)
		out = append(out, jen.Comment("J̄_b = diag(2σ″ℓ̄)_b·W and J_x = I: W̄ += diag(Σ_b 2σ″ℓ̄)·W (or sum the coefficients, for FlushGrad)"),
			jen.If(jen.Id("w.deferGrad")).Block(
				kcall("AccumCols", "w."+name+"EAcc", "w."+name+"E", "nb", fmt.Sprint(n.Size)),
			).Else().Block(
				kcall("AddDiagShared", gW, "w."+name+"E", g.param(n.W), "nb", fmt.Sprint(n.Size), "Dim"),
			))
	}
	return out
}

// convWeightGrad prints θ̄ of a convolution h = K∗x + b, gW naming K̄:
//
//	circWeightGrad, directWeightGrad, or per run of row segments:
//		kern.Im2Col(cols, x[rows], …); Gemm(h̄[rows]ᵀ, cols, K̄)
//	the Jacobian terms (convJacGrad)
//	kern.SumRows(b̄, h̄, nb·sites, channels)
func (g *gen) convWeightGrad(pl *plan.Plan, n *plan.Node, segs []int, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W, name := pl.Width, g.names[n.ID]
	S, ck := in.Shape.Sites(), in.Shape.C*n.K1*n.K2
	var out []jen.Code
	switch {
	case g.circ(n.Node):
		out = g.circWeightGrad(pl, n, segs, gW)
	case g.direct(n.Node):
		out = g.directWeightGrad(pl, n, segs, gW)
	case g.gather(n.Node):
		out = g.gatherWeightGrad(pl, n, segs, gW)
	default:
		for _, r := range g.runs(segs) {
			c := r.cnt.expr(W)
			out = append(out,
				kcall("Im2Col", "w.cols", rows(h, r.off.expr(W), c, in.Size), c, "w."+name+"Geom"),
				g.gemm(true, false, "1", "1",
					[3]string{times("nb", r.cnt.n(W)*S), fmt.Sprint(n.Out), rows(nB, r.off.expr(W), c, n.Size)},
					[3]string{times("nb", r.cnt.n(W)*S), fmt.Sprint(ck), "w.cols"},
					[3]string{fmt.Sprint(n.Out), fmt.Sprint(ck), gW}))
		}
	}
	out = append(out, g.convJacGrad(pl, n, gW)...)
	if n.B >= 0 {
		out = append(out, kcall("SumRows", g.gradOf(n.B), rows(nB, "0", "nb", n.Size), times("nb", S), fmt.Sprint(n.Out)))
	}
	return out
}

// circWeightGrad prints the kernel gradient of a convolution printed as one
// product with its circulant matrix C:
//
//	Gemm(h̄[rows]ᵀ, x[rows], C̄) per run of row segments (β = 0, then 1)
//	kern.FoldCirculant(K̄, C̄, geom)
func (g *gen) circWeightGrad(pl *plan.Plan, n *plan.Node, segs []int, gW string) []jen.Code {
	in, nB, h := g.gradBufs(pl, n)
	W, name := pl.Width, g.names[n.ID]
	var out []jen.Code
	beta := "0"
	for _, r := range g.runs(segs) {
		c := r.cnt.expr(W)
		out = append(out, g.gemm(true, false, "1", beta,
			[3]string{c, fmt.Sprint(n.Size), rows(nB, r.off.expr(W), c, n.Size)},
			[3]string{c, fmt.Sprint(in.Size), rows(h, r.off.expr(W), c, in.Size)},
			[3]string{fmt.Sprint(n.Size), fmt.Sprint(in.Size), "w." + name + "GCirc"}))
		beta = "1"
	}
	return append(out, jen.Comment("fold the circulant matrix's gradient back into the kernel"),
		kcall("FoldCirculant", gW, "w."+name+"GCirc", "w."+name+"Geom"))
}

// convJacGrad prints the terms of K̄ (and of the input's Jacobian
// cotangents) that come from the special Jacobian form of a convolution:
//
//	kern.AddConvDiag(K̄, …)     (shared kernel, coefficients)
//	kern.RFSumToKernel(K̄, …)   (shared kernel, receptive-field cotangents)
//	shiftBwd                    (shifted kernels)
//	factorBwd                   (orbit-factored kernels)
//	convRFGrad                  (receptive fields)
func (g *gen) convJacGrad(pl *plan.Plan, n *plan.Node, gW string) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	name := g.names[n.ID]
	S, ck := in.Shape.Sites(), in.Shape.C*n.K1*n.K2
	switch {
	case n.Kind == plan.ConvShared && n.JBCoef:
		return []jen.Code{jen.Comment("J̄ = diag(2σ″ℓ̄)·(kernel) and J_x = I: W̄ += diag(Σ_{samples, sites} 2σ″ℓ̄)·W"),
			kcall("AddConvDiag", gW, "w."+name+"E", g.param(n.W), times("nb", S), fmt.Sprint(n.Out), fmt.Sprint(ck))}
	case n.Kind == plan.ConvShared && n.JBRF:
		return []jen.Code{jen.Comment("J_x = I: the kernel gradient sums J̄ over samples and sites"),
			kcall("RFSumToKernel", gW, "w."+name+"RFB", "nb", fmt.Sprint(S), fmt.Sprint(n.K1*n.K2), fmt.Sprint(n.Out))}
	case n.Kind == plan.ShiftRF && n.JBRF:
		return g.shiftBwd(n)
	case n.Kind == plan.Factored && n.JBCoef:
		return g.factorBwd(n)
	case n.Kind == plan.RF && n.JBRF:
		return g.convRFGrad(pl, n, gW)
	}
	return nil
}

// convRFGrad prints the cotangents of a convolution's receptive-field
// Jacobian:
//
//	Gemm(J̄ (as RF), K, cols); kern.RFCol2ImAdd(J̄_in, cols, …)
//	kern.RFIm2Col(cols, J_in, …); Gemm(J̄ᵀ, cols, K̄)
func (g *gen) convRFGrad(pl *plan.Plan, n *plan.Node, gW string) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	name, h := g.names[n.ID], "w."+g.names[in.ID]
	S, ck := in.Shape.Sites(), in.Shape.C*n.K1*n.K2
	ro := n.Window.Size()
	return []jen.Code{jen.Comment("receptive-field Jacobian cotangents: J̄_in += RFcol2im(J̄·W), W̄ += J̄ᵀ·RFim2col(J_in)"),
		g.wgemm(n.Node, true, times("nb", S*ro), nbHead("w."+name+"RFB", S*ro*n.Out), "0", nbHead("w.cols", S*ro*ck)),
		kcall("RFCol2ImAdd", h+"RFB", "w.cols", "nb", "w."+name+"RFGeom"),
		kcall("RFIm2Col", "w.cols", h+"RF", "nb", "w."+name+"RFGeom"),
		g.gemm(true, false, "1", "1",
			[3]string{times("nb", S*ro), fmt.Sprint(n.Out), "w." + name + "RFB"},
			[3]string{times("nb", S*ro), fmt.Sprint(ck), "w.cols"},
			[3]string{fmt.Sprint(n.Out), fmt.Sprint(ck), gW})}
}

// revAct emits the reverse of y = σ(a):
//
//	ā += σ′ȳ + σ″·t_a·t̄_y + (σ″ℓ_a + σ‴q_a)·ℓ̄_y + σ″·rowdot(J̄_y, J_a)
//	t̄_a += σ′t̄_y,  ℓ̄_a += σ′ℓ̄_y,  J̄_a += σ′J̄_y + 2σ″ℓ̄_y·J_a
//
// as the row dot products (revActRowDot), one elementwise loop (revActLoop)
// and the Jacobian cotangents (revActJac).
func (g *gen) revAct(pl *plan.Plan, n *plan.Node) []jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	out, rdBuf := g.revActRowDot(pl, n)
	out = append(out, g.revActLoop(pl, n, rdBuf))
	if !a.NeedJ || a.Kind == plan.Identity || a.ID == 0 {
		return out
	}
	return append(out, g.revActJac(pl, n)...)
}

// revActRowDot prints rowdot(J̄_y, J_a), one number per element of y, in the
// form of the two Jacobians, and returns the buffer that holds it ("" when
// there is none):
//
//	kern.RowsDot(rd, J̄_y, J_a, …)        (rows)
//	kern.RowsDotShared(rd, J̄_y, W, …)    (shared dense weights)
//	kern.RFDotShared(rd, J̄_y, K, …)      (shared kernel)
//	kern.RFDot(rd, J̄_y, J_a, …)          (receptive fields)
//
// Behind shifted kernels nothing is printed: the convolution downstream
// added J̄_y·kernel, the cotangent of σ′, to yDB.
func (g *gen) revActRowDot(pl *plan.Plan, n *plan.Node) ([]jen.Code, string) {
	a := pl.Nodes[n.Inputs[0]]
	if !a.NeedJ {
		return nil, ""
	}
	W, size, s := pl.Width, n.Size, n.Shape
	yn, an := g.names[n.ID], g.names[a.ID]
	jr := func(buf string) string { return rows(buf, g.jStart(), times("nb", W), size) }
	switch {
	case n.JBRows && a.Rows:
		return []jen.Code{kcall("RowsDot", "w.rd", jr("w."+yn+"B"), jr("w."+an), "nb", fmt.Sprint(W), fmt.Sprint(size))}, "w.rd"
	case n.JBRows && a.Kind == plan.Shared:
		return []jen.Code{kcall("RowsDotShared", "w.rd", jr("w."+yn+"B"), g.param(a.W), "nb", fmt.Sprint(size), "Dim")}, "w.rd"
	case n.JBRF && a.Kind == plan.ConvShared:
		return []jen.Code{kcall("RFDotShared", "w.rd", "w."+yn+"RFB", g.param(a.W), "nb", fmt.Sprint(s.Sites()), fmt.Sprint(a.K1*a.K2), fmt.Sprint(s.C))}, "w.rd"
	case n.JBRF && a.Kind == plan.RF:
		return []jen.Code{kcall("RFDot", "w.rd", "w."+yn+"RFB", "w."+an+"RF", "nb", fmt.Sprint(s.Sites()), fmt.Sprint(a.Window.Size()), fmt.Sprint(s.C))}, "w.rd"
	case n.JBShift:
		return nil, "w." + yn + "DB"
	}
	return nil, ""
}

// revActTerms returns the terms of ā's value cotangent in the loop of
// revActLoop, σ′ȳ + σ″·t_a·t̄_y + (σ″ℓ_a + σ‴q_a)·ℓ̄_y + σ″·rd, leaving out
// the zero ones, and the coefficient of ℓ̄_y ("" when it is zero); q is the
// expression of a's squared Jacobian row norms, rd whether row dot
// products exist.
func revActTerms(a *plan.Node, q string, rd bool) (va []string, lterm string) {
	va = []string{"d1*yb[k]", "d2*a[ta+k]*yb[tyb+k]"}
	if !a.LZero {
		lterm = "d2*a[lo+k]"
	}
	if q != "" {
		if lterm != "" {
			lterm = "(" + lterm + " + " + mulFloat("d3", q) + ")"
		} else {
			lterm = mulFloat("d3", q)
		}
	}
	if lterm != "" {
		va = append(va, lterm+"*yb[lo+k]")
	}
	if rd {
		va = append(va, "d2*rd[k]")
	}
	return va, lterm
}

// revActLoop prints the elementwise loop of the reverse of y = σ(a), rdBuf
// naming the row dot products ("" when there are none):
//
//	{
//		d1s, d2s, d3s := …; e := …; rd := …
//		a, ab, yb := w.a, w.aB, w.yB
//		lo := …
//		ta, tab, tyb := …
//		for b := 0; b < nb; b++ {
//			for j := 0; j < size; j++ {
//				k := b*size + j
//				d1, d2, d3 := d1s[k], d2s[k], d3s[k]
//				ab[k] += (revActTerms)
//				ab[tab+k] += d1 * yb[tyb+k]
//				ab[lo+k] += d1 * yb[lo+k]
//				e[k] = 2 * d2 * yb[lo+k]
//			}
//		}
//	}
func (g *gen) revActLoop(pl *plan.Plan, n *plan.Node, rdBuf string) jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	W, size := pl.Width, n.Size
	yn, an := g.names[n.ID], g.names[a.ID]
	q := ""
	if a.NeedJ {
		q, _ = g.qExpr(pl, a) // computed by the forward pass, still valid
	}
	tA, _ := g.layout(segT)
	tAB, _ := g.layout(segT)
	tYB, _ := g.layout(segT)
	va, lterm := revActTerms(a, q, rdBuf != "")
	hasE := a.NeedJ && a.Kind != plan.Identity && a.ID != 0
	if qa, ok := g.qBuf(pl, a); ok {
		// The vector kernels: the value cotangent, then the tangent and
		// Laplacian ones with e.
		aB, yB, an, yn := "w."+an+"B", "w."+yn+"B", "w."+an, "w."+yn
		tr := func(buf string, o off) string { return rows(buf, o.expr(W), "nb", size) }
		lr := func(buf string) string { return rows(buf, g.lStart(), "nb", size) }
		d3, aL, ybL, rd, abL, e := "nil", "nil", "nil", "nil", "nil", "nil"
		if q != "" {
			d3 = yn + "D3"
		}
		if !a.LZero {
			aL, abL = lr(an), lr(aB)
		}
		if lterm != "" || !a.LZero || hasE {
			ybL = lr(yB)
		}
		if rdBuf != "" {
			rd = rdBuf
		}
		if hasE {
			e = "w." + g.names[a.ID] + "E"
		}
		return jen.Block(
			kcall("ActRevValue", aB, yn+"D1", yn+"D2", d3, yB, tr(an, tA), tr(yB, tYB), aL, qa, ybL, rd, "nb", fmt.Sprint(size)),
			kcall("ActRevTangent", tr(aB, tAB), abL, e, yn+"D1", yn+"D2", tr(yB, tYB), ybL, "nb", fmt.Sprint(size)))
	}
	inner := []string{
		"d1, d2 := d1s[k], d2s[k]",
		"ab[k] += " + joinPlus(va),
		"ab[tab+k] += d1 * yb[tyb+k]",
	}
	if !a.LZero {
		inner = append(inner, "ab[lo+k] += d1 * yb[lo+k]")
	}
	if hasE {
		inner = append(inner, "e[k] = 2 * d2 * yb[lo+k]")
	}
	// Slice headers in locals: the loop then loads no Workspace fields.
	locals := []jen.Code{raw("d1s, d2s := %s, %s", nbHead("w."+yn+"D1", size), nbHead("w."+yn+"D2", size))}
	if q != "" { // σ‴ enters only through the squared row norms
		inner[0] = "d1, d2, d3 := d1s[k], d2s[k], d3s[k]"
		locals[0] = raw("d1s, d2s, d3s := %s, %s, %s", nbHead("w."+yn+"D1", size), nbHead("w."+yn+"D2", size), nbHead("w."+yn+"D3", size))
	}
	if hasE {
		locals = append(locals, raw("e := %s", nbHead("w."+an+"E", size)))
	}
	if rdBuf != "" {
		locals = append(locals, raw("rd := %s", nbHead(rdBuf, size)))
	}
	locals = append(locals, raw("a, ab, yb := w.%s, w.%sB, w.%sB", an, an, yn))
	if lterm != "" || !a.LZero || hasE {
		locals = append(locals, raw("lo := %s", times("nb", g.lRow()*size)))
	}
	return jen.Block(append(locals,
		raw("ta, tab, tyb := %s, %s, %s", times("nb", tA.n(W)*size), times("nb", tAB.n(W)*size), times("nb", tYB.n(W)*size)),
		perSampleLoop(size, inner),
	)...)
}

// revActJac prints the Jacobian cotangents of a, J̄_a += σ′J̄_y + 2σ″ℓ̄_y·J_a,
// in a's form:
//
//	kern.RowsScaleAdd(J̄_a, J̄_y, σ′); kern.RowsScaleAdd(J̄_a, J_a, e)   (rows)
//	kern.RFScaleAdd(RF̄_a, RF̄_y, σ′); then by a's kind:
//		kern.RFAddScaledShared, kern.RFScaleAdd or kern.RowsAddScaled(RF̄_a, …, e)
func (g *gen) revActJac(pl *plan.Plan, n *plan.Node) []jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	W, size, s := pl.Width, n.Size, n.Shape
	yn, an := g.names[n.ID], g.names[a.ID]
	jr := func(buf string) string { return rows(buf, g.jStart(), times("nb", W), size) }
	var out []jen.Code
	if a.JBRows {
		if n.JBRows {
			out = append(out, kcall("RowsScaleAdd", jr("w."+an+"B"), jr("w."+yn+"B"), "w."+yn+"D1", "nb", fmt.Sprint(W), fmt.Sprint(size)))
		}
		if a.Rows {
			out = append(out, kcall("RowsScaleAdd", jr("w."+an+"B"), jr("w."+an), "w."+an+"E", "nb", fmt.Sprint(W), fmt.Sprint(size)))
		}
	}
	if !a.JBRF {
		return out
	}
	S, C := s.Sites(), s.C
	if n.JBRF {
		out = append(out, kcall("RFScaleAdd", "w."+an+"RFB", "w."+yn+"RFB", "w."+yn+"D1", "nb", fmt.Sprint(S), fmt.Sprint(a.Window.Size()), fmt.Sprint(C)))
	}
	switch a.Kind {
	case plan.ConvShared:
		out = append(out, kcall("RFAddScaledShared", "w."+an+"RFB", "w."+an+"E", g.param(a.W), "nb", fmt.Sprint(S), fmt.Sprint(a.K1*a.K2), fmt.Sprint(C)))
	case plan.RF:
		out = append(out, kcall("RFScaleAdd", "w."+an+"RFB", "w."+an+"RF", "w."+an+"E", "nb", fmt.Sprint(S), fmt.Sprint(a.Window.Size()), fmt.Sprint(C)))
	case plan.ShiftRF:
		out = append(out, kcall("RowsAddScaled", "w."+an+"RFB", "w."+an+"RF", "w."+an+"E", times("nb", a.Size), fmt.Sprint(a.Window.Size())))
	}
	return out
}

// joinPlus joins terms into one sum expression.
func joinPlus(xs []string) string {
	s := xs[0]
	for _, x := range xs[1:] {
		s += " + " + x
	}
	return s
}
