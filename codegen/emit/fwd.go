package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

var fwdNames = map[plan.Mode]string{plan.Values: "Values", plan.Laplacian: "Laplacian", plan.Reverse: "Reverse", plan.Hutch: "Hutch", plan.HutchRev: "HutchRev"}

var fwdDocs = map[plan.Mode]string{
	plan.Values:    "computes the values of every node, and σ′ for backpropagation.",
	plan.Laplacian: "computes values, Laplacian vectors ℓ and the Jacobians the exact Δφ needs.",
	plan.Reverse:   "computes values, ℓ, Jacobians and tangents t = J·u for the reverse sweep.",
	plan.Hutch:     "computes values and Hutchinson Laplacian vectors from the probe rows.",
	plan.HutchRev:  "computes values, Hutchinson ℓ, probe rows and tangents for the reverse sweep.",
}

// fwd emits the forward function of one mode.
func (g *gen) fwd(pl *plan.Plan) {
	g.used = map[int]bool{}
	g.rev = pl.Mode.IsReverse()
	var body []jen.Code
	for _, n := range pl.Nodes[1:] {
		body = append(body, g.fwdNode(pl, n)...)
	}
	if in := pl.Nodes[0]; in.Rows && pl.Mode != plan.Hutch && pl.Mode != plan.HutchRev {
		body = append([]jen.Code{jen.Comment(LineComment(g.pos(in.Node) + "  the input's Jacobian J = I as rows")),
			kcall("IdentityRows", rows("w."+g.names[0], g.jStart(), "nb*Dim", g.D), "nb", "Dim")}, body...)
	}
	name := "fwd" + fwdNames[pl.Mode]
	g.f.Comment(LineComment(fmt.Sprintf("%s %s", name, fwdDocs[pl.Mode])))
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(jen.Id("w").Op("*").Id("Workspace"), jen.Id("nb").Int()).
		Block(append(g.paramDecls(), body...)...)
}

// segments lists the row segments a node computes in a mode.
func segments(pl *plan.Plan, n *plan.Node, withJ bool) []int {
	segs := []int{segV}
	if pl.Mode == plan.Values {
		return segs
	}
	if !n.LZero {
		segs = append(segs, segL)
	}
	if withJ {
		segs = append(segs, segJ)
	}
	if pl.Mode.IsReverse() {
		segs = append(segs, segT)
	}
	return segs
}

func (g *gen) header(pl *plan.Plan, n *plan.Node) jen.Code {
	s := fmt.Sprintf("%s  %s", g.pos(n.Node), g.formula(n.Node))
	if n.Doc != "" && pl.Mode == plan.Laplacian {
		// A multi-line jen.Comment renders as /* */: one comment per line.
		return jen.Comment(LineComment(strings.ReplaceAll(strings.TrimSpace(n.Doc), "\n", " "))).Line().Comment(LineComment(s))
	}
	if pl.Mode != plan.Values && n.Kind != plan.None {
		s += "  [J: " + n.Strategy + "]"
	}
	return jen.Comment(LineComment(s))
}

func (g *gen) fwdNode(pl *plan.Plan, n *plan.Node) []jen.Code {
	var out []jen.Code
	switch n.Op {
	case ir.OpDense:
		out = g.fwdDense(pl, n)
	case ir.OpConv:
		out = g.fwdConv(pl, n)
	case ir.OpAct:
		out = g.fwdAct(pl, n)
	default:
		out = g.fwdLinear(pl, n)
	}
	out = append([]jen.Code{g.header(pl, n)}, out...)
	if n.Rows && n.Kind != plan.Rows && pl.Mode != plan.Values {
		out = append(out, g.materialise(pl, n)...)
	}
	return out
}

// materialise writes a node's special Jacobian as rows.
func (g *gen) materialise(pl *plan.Plan, n *plan.Node) []jen.Code {
	name := "w." + g.names[n.ID]
	dst := rows(name, g.jStart(), times("nb", pl.Width), n.Size)
	c := jen.Comment(LineComment(fmt.Sprintf("%s's Jacobian as rows (a consumer needs them)", n.Name)))
	switch n.Kind {
	case plan.Shared:
		return []jen.Code{c, kcall("SharedToRows", dst, g.param(n.W), "nb", fmt.Sprint(n.Size), "Dim")}
	case plan.Scaled:
		base := pl.Nodes[n.Base]
		return []jen.Code{c, kcall("ScaledToRows", dst, name+"D1", g.param(base.W), "nb", fmt.Sprint(n.Size), "Dim")}
	case plan.ConvShared:
		s := n.Shape
		return []jen.Code{c,
			kcall("RFFromShared", name+"RF", "nil", g.param(n.W), "nb", fmt.Sprint(s.Sites()), fmt.Sprint(n.K1*n.K2), fmt.Sprint(s.C)),
			jen.Qual(pathKern, "RFToRows").Call(jen.Id(dst), jen.Id(name+"RF"), jen.Id("nb"), jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), windowLit(n.Window), jen.Lit(0), jen.Id(g.cvt("1")))}
	case plan.RF:
		s := n.Shape
		return []jen.Code{c,
			jen.Qual(pathKern, "RFToRows").Call(jen.Id(dst), jen.Id(name+"RF"), jen.Id("nb"), jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), windowLit(n.Window), jen.Lit(0), jen.Id(g.cvt("1")))}
	}
	panic(fmt.Sprintf("emit: %s: cannot materialise %s Jacobian as rows", g.pos(n.Node), n.Kind))
}

// fwdDense prints the forward of h = W·x + b on the value, ℓ, Jacobian and
// tangent rows the mode needs, then the node's special Jacobian form:
//
//	W·x over each run of row segments (or the saved value rows)
//	kern.AddBias(h, b, nb, size)
//	the Jacobian construct (denseJac)
func (g *gen) fwdDense(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	withJ := n.Rows && in.Rows && pl.Mode != plan.Values
	segs := segments(pl, in, withJ)
	computed := g.denseProducts(pl, n, segs)
	if n.B >= 0 {
		computed = append(computed, kcall("AddBias", rows("w."+g.names[n.ID], "0", "nb", n.Size), g.param(n.B), "nb", fmt.Sprint(n.Size)))
	}
	var out []jen.Code
	switch {
	case n.ID == g.saveNode && pl.Mode == plan.Reverse:
		out = g.denseLoadSaved(pl, n, segs, computed)
	case n.ID == g.saveNode && pl.Mode == plan.Laplacian:
		out = append(computed, g.denseKeepSaved(n))
	default:
		out = computed
	}
	if pl.Mode == plan.Values {
		return out
	}
	return append(out, g.denseJac(pl, n)...)
}

// denseProducts prints one product with W per run of contiguous row
// segments of the input's stack:
//
//	h[rows] = x[rows]·Wᵀ
func (g *gen) denseProducts(pl *plan.Plan, n *plan.Node, segs []int) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	src, dst := "w."+g.names[in.ID], "w."+g.names[n.ID]
	var out []jen.Code
	for _, r := range g.runs(segs) {
		cnt := r.cnt.expr(pl.Width)
		out = append(out, g.wgemm(n.Node, false, cnt, rows(src, r.off.expr(pl.Width), cnt, in.Size), "0", rows(dst, r.off.expr(pl.Width), cnt, n.Size)))
		out = append(out, g.gateProducts(n, rows(dst, r.off.expr(pl.Width), cnt, n.Size), cnt)...)
	}
	return out
}

// denseLoadSaved prints the saved node's forward in ReverseSaved, where the
// value rows may come from LaplacianSave at the same x:
//
//	if w.saveIn != nil { copy(h, saved); W·x on the other rows } else { computed }
func (g *gen) denseLoadSaved(pl *plan.Plan, n *plan.Node, segs []int, computed []jen.Code) []jen.Code {
	var rest []int
	for _, s := range segs {
		if s != segV {
			rest = append(rest, s)
		}
	}
	nout := n.Size
	saved := fmt.Sprintf("w.saveIn[w.b0*%d : (w.b0+nb)*%d]", nout, nout)
	load := []jen.Code{jen.Comment("value rows kept by LaplacianSave at the same x"), g.copyCvt(rows("w."+g.names[n.ID], "0", "nb", nout), saved, false)}
	return []jen.Code{jen.If(jen.Id("w.saveIn != nil")).Block(append(load, g.denseProducts(pl, n, rest)...)...).Else().Block(computed...)}
}

// denseKeepSaved prints, after the saved node's forward in the Laplacian
// mode:
//
//	if w.saveOut != nil { copy(saved, h) }
func (g *gen) denseKeepSaved(n *plan.Node) jen.Code {
	nout := n.Size
	return jen.If(jen.Id("w.saveOut != nil")).Block(
		jen.Comment("keep the value rows for ReverseSaved"),
		g.copyCvt(fmt.Sprintf("w.saveOut[w.b0*%d : (w.b0+nb)*%d]", nout, nout), rows("w."+g.names[n.ID], "0", "nb", nout), true))
}

// denseJac prints the special Jacobian form of a dense node that the plan
// chose: rows from a scaled input (packed or not) or Gram matrices; nothing
// for the other forms, whose rows came with the products.
func (g *gen) denseJac(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	switch {
	case n.RowsFromScaled && n.Size > 1:
		return g.denseRowsPacked(pl, n)
	case n.RowsFromScaled:
		return g.denseRowsScaled(pl, n)
	case n.Kind == plan.Gram && in.Kind == plan.Scaled:
		return g.denseGramScaled(pl, n)
	case n.Kind == plan.Gram:
		return []jen.Code{jen.Comment("Gram matrices G_b = W·G_in,b·Wᵀ"),
			kcall("GramDense", "w."+g.names[n.ID]+"G", g.param(n.W), "w."+g.names[in.ID]+"G", "w.wtmp", "nb", fmt.Sprint(in.Size), fmt.Sprint(n.Size))}
	}
	return nil
}

// denseRowsPacked prints the Jacobian rows of h = W·σ(W_prev·x + b), more
// than one output, with the Wᵀ packed by Sync for the value rows:
//
//	for b { kern.ScaleRows(panel, σ′_b, W_prev); gemm.DgemmPacked(panel, Wᵀ, J_b) }
//
// op(A) = (diag(σ′_b)·W_prev)ᵀ: no per-call packing of the weight and a
// contiguous row scaling instead of a transposed panel.
func (g *gen) denseRowsPacked(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	base := pl.Nodes[in.Base]
	nin, nout := in.Size, n.Size
	fn := "DgemmPacked"
	if g.is32 {
		fn = "SgemmPacked"
	}
	return []jen.Code{jen.Comment("J_b = Wᵀ_prev·diag(σ′_b)·Wᵀ (tangent-major), one GEMM per sample with the packed Wᵀ"),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			kcall("ScaleRows", "w.panel", rows("w."+g.names[in.ID]+"D1", "b", "1", nin), g.param(base.W), fmt.Sprint(nin), "Dim"),
			jen.Qual(pathGemm, fn).Call(jen.True(), jen.Id("Dim"), jen.Lit(1), jen.Id("w.panel"), jen.Id("Dim"), jen.Op("&").Id("m."+g.names[n.ID]+"Fwd"), jen.Lit(0),
				jen.Id(rows("w."+g.names[n.ID], plus(g.jStart(), times("b", pl.Width)), "Dim", nout)), jen.Lit(nout)))}
}

// denseRowsScaled prints the Jacobian row of h = W·σ(W_prev·x + b) with one
// output:
//
//	for b { kern.ScaledPanel(panel, σ′_b, W); Gemm(W_prevᵀ, panel, J_b) }
func (g *gen) denseRowsScaled(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	base := pl.Nodes[in.Base]
	nin, nout := in.Size, n.Size
	W := g.param(n.W)
	return []jen.Code{jen.Comment("J_b = Wᵀ_prev·diag(σ′_b)·Wᵀ (tangent-major), one GEMM per sample"),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			kcall("ScaledPanel", "w.panel", rows("w."+g.names[in.ID]+"D1", "b", "1", nin), W, "1", fmt.Sprint(nin), fmt.Sprint(nout)),
			g.gemm(true, false, "1", "0",
				[3]string{fmt.Sprint(nin), "Dim", g.param(base.W)},
				[3]string{fmt.Sprint(nin), fmt.Sprint(nout), "w.panel"},
				[3]string{"Dim", fmt.Sprint(nout), rows("w."+g.names[n.ID], plus(g.jStart(), times("b", pl.Width)), "Dim", nout)}))}
}

// denseGramScaled prints the Gram matrices of h = W·σ(W_prev·x + b):
//
//	for b { kern.ScaledPanel(panel, σ′_b, W); kern.GramFromScaled(G_b, panel, W_prev·W_prevᵀ) }
func (g *gen) denseGramScaled(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	base := pl.Nodes[in.Base]
	nin, nout := in.Size, n.Size
	return []jen.Code{jen.Comment("Gram matrices G_b = P_bᵀ·(W_prev·W_prevᵀ)·P_b with P_b = diag(σ′_b)·Wᵀ"),
		jen.For(raw("b := 0; b < nb; b++")).Block(
			kcall("ScaledPanel", "w.panel", rows("w."+g.names[in.ID]+"D1", "b", "1", nin), g.param(n.W), "1", fmt.Sprint(nin), fmt.Sprint(nout)),
			kcall("GramFromScaled", rows("w."+g.names[n.ID]+"G", "b", "1", nout*nout), "w.panel", "m."+g.names[base.ID]+"Gram", "w.wtmp", "1", fmt.Sprint(nin), fmt.Sprint(nout)))}
}

func (g *gen) fwdConv(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	s := in.Shape
	S, cin, cout, K := s.Sites(), s.C, n.Out, n.K1*n.K2
	ck := cin * K
	name := g.names[n.ID]
	src, dst := "w."+g.names[in.ID], "w."+name
	var out []jen.Code
	if g.circ(n.Node) {
		out = append(out, jen.Comment("a kernel over the whole lattice: one GEMM with the circulant matrix (built by Sync)"))
	}
	withJ := n.Rows && in.Rows && pl.Mode != plan.Values
	for _, r := range g.runs(segments(pl, in, withJ)) {
		cnt := r.cnt.expr(pl.Width)
		if g.circ(n.Node) {
			out = append(out, g.wgemm(n.Node, false, cnt, rows(src, r.off.expr(pl.Width), cnt, S*cin), "0", rows(dst, r.off.expr(pl.Width), cnt, S*cout)))
			continue
		}
		if g.direct(n.Node) {
			out = append(out, g.directFwd(n.Node, src, dst, r.off.expr(pl.Width), cnt, r.cnt.n(pl.Width))...)
			continue
		}
		if g.gather(n.Node) {
			out = append(out, g.gatherFwd(n.Node, src, dst, r.off.expr(pl.Width), cnt, r.cnt.n(pl.Width))...)
			continue
		}
		out = append(out,
			kcall("Im2Col", "w.cols", rows(src, r.off.expr(pl.Width), cnt, S*cin), cnt, "w."+name+"Geom"),
			g.wgemm(n.Node, false, times("nb", r.cnt.n(pl.Width)*S), nbHead("w.cols", r.cnt.n(pl.Width)*S*ck), "0", rows(dst, r.off.expr(pl.Width), cnt, S*cout)))
	}
	if n.B >= 0 {
		out = append(out, kcall("AddBiasSites", rows(dst, "0", "nb", S*cout), g.param(n.B), "nb", fmt.Sprint(S), fmt.Sprint(cout)))
	}
	if pl.Mode != plan.Values && n.Kind == plan.ShiftRF {
		out = append(out, g.shiftFwd(n)...)
	}
	if pl.Mode != plan.Values && n.Kind == plan.Factored {
		out = append(out, g.factorFwd(n)...)
	}
	if pl.Mode != plan.Values && n.Kind == plan.RF && in.Kind == plan.RF {
		ro := n.Window.Size()
		out = append(out, jen.Comment(LineComment(fmt.Sprintf("receptive-field Jacobian: %d×%d window per site, one GEMM over (sample, site, tap)", n.Window.R1, n.Window.R2))),
			kcall("RFIm2Col", "w.cols", src+"RF", "nb", "w."+name+"RFGeom"),
			g.wgemm(n.Node, false, times("nb", S*ro), nbHead("w.cols", S*ro*ck), "0", nbHead(dst+"RF", S*ro*cout)))
	}
	return out
}

// qExpr returns the expression of the squared Jacobian row norm of element
// (b, j) (index k) of node a, emitting what computes it; "" when a needs no
// Jacobian in this mode.
func (g *gen) qExpr(pl *plan.Plan, a *plan.Node) (string, []jen.Code) {
	if !a.NeedJ || pl.Mode == plan.Values {
		return "", nil
	}
	name := "w." + g.names[a.ID]
	q := name + "Q[k]"
	switch {
	case a.Kind == plan.Identity:
		return "1", nil // J = I has unit rows
	case a.Kind == plan.Shared && g.gated(a.ID):
		return g.gateQ(a.ID), nil
	case a.Kind == plan.Shared:
		return fmt.Sprintf("m.%sNorm2[j]", g.names[a.ID]), nil
	case a.Kind == plan.ConvShared:
		return fmt.Sprintf("m.%sNorm2[j]", g.names[a.ID]), nil // tiled over the sites by Sync
	case a.Rows:
		return q, []jen.Code{kcall("RowsNorm2", name+"Q", rows(name, g.jStart(), times("nb", pl.Width), a.Size), "nb", fmt.Sprint(pl.Width), fmt.Sprint(a.Size))}
	case a.Kind == plan.ShiftRF:
		return q, []jen.Code{kcall("RowNorms", name+"Q", name+"RF", times("nb", a.Size), fmt.Sprint(a.Window.Size()))}
	case a.Kind == plan.Factored:
		return q, nil // written by the convolution's forward (FactorNorms)
	case a.Kind == plan.RF:
		return q, []jen.Code{kcall("RFNorm2", name+"Q", name+"RF", "nb", fmt.Sprint(a.Shape.Sites()), fmt.Sprint(a.Window.Size()), fmt.Sprint(a.Shape.C))}
	case a.Kind == plan.Gram:
		return q, []jen.Code{kcall("GramDiag", name+"Q", name+"G", "nb", fmt.Sprint(a.Size))}
	}
	panic(fmt.Sprintf("emit: %s: no row norms for a %s Jacobian", g.pos(a.Node), a.Kind))
}

var actFunc = map[ir.Act]string{ir.Softplus: "Softplus", ir.LnCosh: "LnCosh", ir.Tanh: "Tanh", ir.Sigmoid: "Sigmoid", ir.Swish: "Swish", ir.Quadratic: "Quadratic", ir.Identity: "Identity"}

// fwdAct prints the forward of y = σ(a) on the rows the mode needs:
//
//	kern.σN(y, σ′, σ″, σ‴, a)                 (actEval)
//	{ for b { for j { ℓ_y = σ′ℓ_a + σ″q_a; t_y = σ′t_a } } }   (actLoop)
//	the Jacobian of y                           (actJac)
func (g *gen) fwdAct(pl *plan.Plan, n *plan.Node) []jen.Code {
	q, pre := g.qExpr(pl, pl.Nodes[n.Inputs[0]])
	out := append(append([]jen.Code{}, pre...), g.actEval(pl, n)...)
	loop := g.actLoop(pl, n, q)
	if loop == nil {
		return out
	}
	out = append(out, loop)
	if pl.Mode == plan.Values {
		return out
	}
	return append(out, g.actJac(pl, n)...)
}

// actEval prints σ and its derivatives on the value rows:
//
//	// σ, σ′, σ″ for the value rows
//	kern.TanhN(y, d1, d2, d3, a)
//
// or, for the activation only φ reads (through linear nodes):
//
//	if w.lite { clear(y); kern.TanhN(nil, d1, d2, d3, a) } else { kern.TanhN(y, …) }
func (g *gen) actEval(pl *plan.Plan, n *plan.Node) []jen.Code {
	size := n.Size
	an, yn := g.names[pl.Nodes[n.Inputs[0]].ID], g.names[n.ID]
	rev := pl.Mode.IsReverse()
	n2 := times("nb", size)
	d2arg, d3arg := "nil", "nil"
	if pl.Mode != plan.Values {
		d2arg = fmt.Sprintf("w.%sD2[:%s]", yn, n2)
	}
	if rev {
		d3arg = fmt.Sprintf("w.%sD3[:%s]", yn, n2)
	}
	out := []jen.Code{jen.Comment(LineComment(fmt.Sprintf("σ, σ′%s for the value rows", map[bool]string{true: ", σ″, σ‴", false: map[bool]string{true: ", σ″", false: ""}[pl.Mode != plan.Values]}[rev])))}
	eval := kcall(actFunc[n.Act]+"N", rows("w."+yn, "0", "nb", size), fmt.Sprintf("w.%sD1[:%s]", yn, n2), d2arg, d3arg, rows("w."+an, "0", "nb", size))
	if n.ID != g.liteAct {
		return append(out, eval)
	}
	return append(out, jen.If(jen.Id("w.lite")).Block(
		jen.Comment("only φ reads these values and φ is not wanted: zeros instead of σ"),
		raw("clear(%s)", rows("w."+yn, "0", "nb", size)),
		kcall(actFunc[n.Act]+"N", "nil", fmt.Sprintf("w.%sD1[:%s]", yn, n2), d2arg, d3arg, rows("w."+an, "0", "nb", size)),
	).Else().Block(eval))
}

// actLoop prints the elementwise loop of y = σ(a) over the Laplacian and
// tangent rows, q being the expression of a's squared Jacobian row norms
// ("" when a has none), or returns nil when the mode needs neither:
//
//	{
//		y := w.y
//		a, d1 := w.a, w.yD1
//		…
//		for b := 0; b < nb; b++ {
//			for j := 0; j < size; j++ {
//				k := b*size + j
//				y[lo+k] = d1[k]*a[lo+k] + d2[k]*q
//				y[ty+k] = d1[k] * a[ta+k]
//			}
//		}
//	}
func (g *gen) actLoop(pl *plan.Plan, n *plan.Node, q string) jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	size := n.Size
	an, yn := g.names[a.ID], g.names[n.ID]
	rev := pl.Mode.IsReverse()
	lap := pl.Mode != plan.Values && !n.LZero
	var inner []string
	useA, useD2 := rev, false // which of a, σ′ (with a) and σ″ the loop reads
	if lap {
		terms := []string{}
		if !a.LZero {
			terms = append(terms, "d1[k]*a[lo+k]")
			useA = true
		}
		if q != "" {
			terms = append(terms, mulFloat("d2[k]", q))
			useD2 = true
		}
		e := "0"
		if len(terms) > 0 {
			e = joinPlus(terms)
		}
		inner = append(inner, "y[lo+k] = "+e)
	}
	if rev {
		inner = append(inner, "y[ty+k] = d1[k] * a[ta+k]")
	}
	if len(inner) == 0 {
		return nil
	}
	if qa, ok := g.qBuf(pl, a); ok {
		return g.actFwdCall(pl, n, q, qa, lap, rev)
	}
	blk := []jen.Code{raw("y := w.%s", yn)}
	if useA {
		blk = append(blk, raw("a, d1 := w.%s, w.%sD1", an, yn))
	}
	if useD2 {
		blk = append(blk, raw("d2 := w.%sD2", yn))
	}
	if lap {
		blk = append(blk, raw("lo := %s", times("nb", g.lRow()*size)))
	}
	if rev {
		tOffA, _ := g.layout(segT)
		tOffY, _ := g.layout(segT)
		blk = append(blk, raw("ta, ty := %s, %s", times("nb", tOffA.n(pl.Width)*size), times("nb", tOffY.n(pl.Width)*size)))
	}
	blk = append(blk, perSampleLoop(size, inner))
	return jen.Block(blk...)
}

// actFwdCall prints actLoop's loop as one call of the vector kernel:
//
//	kern.ActFwd(ℓ_y, t_y, σ′, σ″, ℓ_a, t_a, q, nb, size)
//
// with nil for the rows and terms the mode and a leave out.
func (g *gen) actFwdCall(pl *plan.Plan, n *plan.Node, q, qa string, lap, rev bool) jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	size := n.Size
	an, yn := "w."+g.names[a.ID], "w."+g.names[n.ID]
	yL, yT, d1, d2, aL, aT := "nil", "nil", "nil", "nil", "nil", "nil"
	lr := func(buf string) string { return rows(buf, g.lStart(), "nb", size) }
	if lap {
		yL = lr(yn)
		if !a.LZero {
			d1, aL = yn+"D1", lr(an)
		}
		if q != "" {
			d2 = yn + "D2"
		}
	}
	if rev {
		tOffA, _ := g.layout(segT)
		tOffY, _ := g.layout(segT)
		d1 = yn + "D1"
		yT, aT = rows(yn, tOffY.expr(pl.Width), "nb", size), rows(an, tOffA.expr(pl.Width), "nb", size)
	}
	return kcall("ActFwd", yL, yT, d1, d2, aL, aT, qa, "nb", fmt.Sprint(size))
}

// qBuf returns the argument of the vector kernels (kern.ActFwd,
// kern.ActRevValue) for a's squared row norms, the buffer that qExpr
// indexes: nil when there are none or they are the constant 1, a stack's
// per-element norms (w.aQ) or a shared weight's (m.aNorm2: one per element
// of a sample, the same for every sample); false for a gated layer's, a
// product the kernels do not take (its loop stays written out).
func (g *gen) qBuf(pl *plan.Plan, a *plan.Node) (string, bool) {
	q, _ := g.qExpr(pl, a)
	switch {
	case q == "" || q == "1":
		return "nil", true
	case a.Kind == plan.Shared && g.gated(a.ID):
		return "", false
	case a.Kind == plan.Shared || a.Kind == plan.ConvShared:
		return "m." + g.names[a.ID] + "Norm2", true
	}
	return "w." + g.names[a.ID] + "Q", true
}

// actJac prints the Jacobian of y = σ(a) in the form the plan chose for y:
//
//	kern.RowsScale(J_y, J_a, σ′)                    (rows)
//	kern.RFFromShared or kern.RFScale(RF_y, …, σ′)  (receptive fields)
//	kern.GramScale(G_y, G_a, σ′)                    (Gram matrices)
func (g *gen) actJac(pl *plan.Plan, n *plan.Node) []jen.Code {
	a := pl.Nodes[n.Inputs[0]]
	size := n.Size
	an, yn := g.names[a.ID], g.names[n.ID]
	switch n.Kind {
	case plan.Rows:
		if a.Rows {
			r := times("nb", pl.Width)
			return []jen.Code{kcall("RowsScale", rows("w."+yn, g.jStart(), r, size), rows("w."+an, g.jStart(), r, size), "w."+yn+"D1", "nb", fmt.Sprint(pl.Width), fmt.Sprint(size))}
		}
	case plan.RF:
		s := n.Shape
		if a.Kind == plan.ConvShared {
			return []jen.Code{kcall("RFFromShared", "w."+yn+"RF", "w."+yn+"D1", g.param(a.W), "nb", fmt.Sprint(s.Sites()), fmt.Sprint(a.K1*a.K2), fmt.Sprint(s.C))}
		}
		return []jen.Code{kcall("RFScale", "w."+yn+"RF", "w."+an+"RF", "w."+yn+"D1", "nb", fmt.Sprint(s.Sites()), fmt.Sprint(n.Window.Size()), fmt.Sprint(s.C))}
	case plan.Gram:
		return []jen.Code{kcall("GramScale", "w."+yn+"G", "w."+an+"G", "w."+yn+"D1", "nb", fmt.Sprint(size))}
	}
	return nil
}

// fwdLinear emits add, scale, sum, mean and pool.
func (g *gen) fwdLinear(pl *plan.Plan, n *plan.Node) []jen.Code {
	in := pl.Nodes[n.Inputs[0]]
	dst := "w." + g.names[n.ID]
	var out []jen.Code
	rfIn := n.Kind == plan.Rows && in.Kind == plan.RF && !in.Rows && pl.Mode != plan.Values
	withJ := n.Rows && pl.Mode != plan.Values && !rfIn
	W := pl.Width
	for _, seg := range segments(pl, n, withJ) {
		do, cnt := g.layout(seg)
		c := cnt.expr(W)
		srcOf := func(p *plan.Node) string {
			so, _ := g.layout(seg)
			return rows("w."+g.names[p.ID], so.expr(W), c, p.Size)
		}
		o := rows(dst, do.expr(W), c, n.Size)
		switch n.Op {
		case ir.OpAdd:
			b := pl.Nodes[n.Inputs[1]]
			switch {
			case seg == segL && in.LZero:
				out = append(out, jen.Block(raw("o, x := %s, %s", o, srcOf(b)), raw("copy(o, x)")))
			case seg == segL && b.LZero:
				out = append(out, jen.Block(raw("o, x := %s, %s", o, srcOf(in)), raw("copy(o, x)")))
			default:
				out = append(out, jen.Block(raw("o, x, y := %s, %s, %s", o, srcOf(in), srcOf(b)),
					jen.For(raw("k := range o")).Block(raw("o[k] = x[k] + y[k]"))))
			}
		case ir.OpScale:
			out = append(out, jen.Block(raw("o, x := %s, %s", o, srcOf(in)),
				jen.For(raw("k := range o")).Block(raw("o[k] = %s", g.scaled(n.Scale, "x[k]")))))
		case ir.OpSum, ir.OpMean:
			f := 1.0
			if n.Op == ir.OpMean {
				f = 1 / float64(in.Size)
			}
			out = append(out, jen.Block(raw("o, x := %s, %s", o, srcOf(in)),
				jen.For(raw("r := range o")).Block(
					raw("var s %s", g.T),
					jen.For(raw("_, v := range x[r*%d : (r+1)*%d]", in.Size, in.Size)).Block(raw("s += v")),
					raw("o[r] = %s", g.scaled(f, "s")))))
		case ir.OpPool:
			S, C := in.Shape.Sites(), in.Shape.C
			blk := []jen.Code{raw("o, x := %s, %s", o, srcOf(in)),
				raw("clear(o)"),
				kcall("PoolSum", "o", "x", fmt.Sprintf("len(o)/%d", C), fmt.Sprint(S), fmt.Sprint(C))}
			if n.Mean {
				blk = append(blk, jen.For(raw("k := range o")).Block(raw("o[k] *= %s", g.fmtFloat(1/float64(S)))))
			}
			out = append(out, jen.Block(blk...))
		}
	}
	if rfIn {
		s := in.Shape
		reduce, f := rfReduce(n.Node, in.Node)
		out = append(out, jen.Comment("Jacobian rows straight from the receptive-field Jacobian"),
			jen.Qual(pathKern, "RFToRows").Call(jen.Id(rows(dst, g.jStart(), times("nb", W), n.Size)), jen.Id("w."+g.names[in.ID]+"RF"), jen.Id("nb"),
				jen.Lit(s.L1), jen.Lit(s.L2), jen.Lit(s.C), windowLit(in.Window), jen.Lit(reduce), jen.Id(g.cvt(g.fmtFloat(f)))))
	}
	return out
}

// rfReduce returns how the sum, mean or pool n reduces the receptive-field
// Jacobian of its input in: kern.RFToRows's reduce argument (2: everything,
// 1: over sites) and the factor (1, or 1/size for means).
func rfReduce(n, in *ir.Node) (reduce int, f float64) {
	switch n.Op {
	case ir.OpPool:
		if n.Mean {
			return 1, 1 / float64(in.Shape.Sites())
		}
		return 1, 1
	case ir.OpMean:
		return 2, 1 / float64(in.Shape.Size())
	}
	return 2, 1
}
