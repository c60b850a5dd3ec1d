package emit

import (
	"fmt"
	"math"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
)

// public emits the exported batched methods. Each splits the batch into
// chunks, loops over the averaged group elements (if any), loads g·x into
// the input stack, runs the planned forward (and backward) functions and
// folds the results back.
func (g *gen) public() {
	g.genPhi()
	g.genGrad()
	g.genLaplacian()
	g.genHutchinson()
	g.f.Comment("Reverse computes the reverse mode of (φ, ∇φ, Δφ): for")
	g.f.Comment("G_b = c_b·φ(x_b) + u_bᵀ∇φ(x_b) + s_b·Δφ(x_b) it writes ∂G_b/∂x_b to dx and adds")
	g.f.Comment("Σ_b ∂G_b/∂θ to dtheta. c and s may be nil (zero). It panics on inconsistent")
	g.f.Comment("lengths. It does not allocate.")
	g.method("Reverse", wsParam(), floats("dx, dtheta, x, c, u, s")).Block(raw("m.ReverseLap(ws, dx, dtheta, nil, x, c, u, s)"))
	g.f.Comment("ReverseLap is Reverse that also writes Δφ(x_b), which its forward pass computes,")
	g.f.Comment("to lap[b] (lap may be nil): what Laplacian writes, to rounding. It does not")
	g.f.Comment("allocate.")
	g.genReverse("Reverse", g.plans[plan.Reverse], false)
	g.f.Comment("ReverseHutchinson is Reverse with Δφ replaced by its Hutchinson estimate for")
	g.f.Comment("the given probes. It does not allocate.")
	g.method("ReverseHutchinson", wsParam(), floats("dx, dtheta, x, c, u, s, probes")).Block(raw("m.ReverseHutchinsonLap(ws, dx, dtheta, nil, x, c, u, s, probes)"))
	g.f.Comment("ReverseHutchinsonLap is ReverseHutchinson that also writes the estimate of Δφ(x_b)")
	g.f.Comment("for the probes to lap[b] (lap may be nil): what Hutchinson writes, to rounding.")
	g.f.Comment("It does not allocate.")
	g.genReverse("HutchRev", g.plans[plan.HutchRev], true)
	g.f.Var().Id("_").Qual(pathRuntime, "DensityReverser").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
	g.saver()
}

// wt returns the weight of one group element: 1, or 1/|G| as a constant
// expression.
func (g *gen) wt() string {
	if g.group > 1 {
		return fmt.Sprintf("1.0 / %d", g.group)
	}
	return "1"
}

// weighted returns wt·x for a kernel value x, in float64.
func (g *gen) weighted(x string) string {
	if g.group > 1 {
		return g.wt() + " * " + g.toAPI(x)
	}
	return g.toAPI(x)
}

// method starts the declaration of the exported method name of *Model.
func (g *gen) method(name string, params ...jen.Code) *jen.Statement {
	return g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id(name).Params(params...)
}

// wsParam is the parameter ws runtime.Workspace; floats declares names of
// type []float64.
func wsParam() jen.Code            { return jen.Id("ws").Qual(pathRuntime, "Workspace") }
func floats(names string) jen.Code { return jen.Id(names).Index().Float64() }

// prologue prints the start of a batched method:
//
//	w := ws.(*Workspace)
//	B := len(x) / Dim
//	if len(x) != B*Dim { panic(…) }
//	if B > w.max { panic(…) }
//	extra…
//	m = m.at(w) // time-dependent specs
func (g *gen) prologue(extra ...jen.Code) []jen.Code {
	b := []jen.Code{
		raw("w := ws.(*Workspace)"),
		raw("B := len(x) / Dim"),
		jen.If(jen.Id("len(x) != B*Dim")).Block(jen.Panic(jen.Lit(g.pkg + ": len(x) is not a multiple of Dim"))),
		jen.If(jen.Id("B > w.max")).Block(jen.Panic(jen.Lit(g.pkg + ": batch larger than the workspace's MaxBatch"))),
	}
	return append(append(b, extra...), g.timeAt()...)
}

// lenCheck prints: if len(name) != want { panic(…) }.
func (g *gen) lenCheck(name, want string) jen.Code {
	return jen.If(jen.Id(fmt.Sprintf("len(%s) != %s", name, want))).Block(jen.Panic(jen.Lit(fmt.Sprintf("%s: len(%s) != %s", g.pkg, name, want))))
}

// lenCheckNil prints: if name != nil && len(name) != want { panic(…) }.
func (g *gen) lenCheckNil(name, want string) jen.Code {
	return jen.If(jen.Id(fmt.Sprintf("%s != nil && len(%s) != %s", name, name, want))).Block(jen.Panic(jen.Lit(fmt.Sprintf("%s: len(%s) != %s", g.pkg, name, want))))
}

// clearIf prints: if name != nil { clear(name) }.
func clearIf(name string) jen.Code {
	return jen.If(jen.Id(name + " != nil")).Block(raw("clear(%s)", name))
}

// chunks prints the loop over the chunks of w.<cf> samples (and, inside,
// over the averaged group elements):
//
//	for b0 := 0; b0 < B; b0 += w.c {
//		nb := min(w.c, B-b0)
//		for gi := range group { body… }
//	}
func (g *gen) chunks(cf string, body ...jen.Code) jen.Code {
	inner := body
	if g.group > 1 {
		inner = []jen.Code{jen.For(raw("gi := range group")).Block(body...)}
	}
	return jen.For(raw("b0 := 0; b0 < B; b0 += w.%s", cf)).Block(append([]jen.Code{raw("nb := min(w.%s, B-b0)", cf)}, inner...)...)
}

// phiOut prints: for b := 0; b < nb; b++ { phi[b0+b] += wt·φ_b }.
func (g *gen) phiOut() jen.Code {
	return jen.For(raw("b := 0; b < nb; b++")).Block(raw("phi[b0+b] += %s", g.weighted("w."+g.names[g.p.Output]+"[b]")))
}

// lapOut prints: for b := 0; b < nb; b++ { lap[b0+b] += wt·Δφ_b }, with
// Δφ_b at row lrow+b of the output's stack (the Laplacian rows of plan pl),
// or a comment where Δφ ≡ 0.
func (g *gen) lapOut(pl *plan.Plan, lrow string) jen.Code {
	if pl.Nodes[g.p.Output].LZero {
		return jen.Comment("Δφ ≡ 0 for this network")
	}
	return jen.For(raw("b := 0; b < nb; b++")).Block(raw("lap[b0+b] += %s", g.weighted(fmt.Sprintf("w.%s[%s+b]", g.names[g.p.Output], lrow))))
}

// revLapOut prints lapOut for a reverse mode's chunk, whose lap may be nil:
// if lap != nil { … }, nothing where Δφ ≡ 0.
func (g *gen) revLapOut(pl *plan.Plan) jen.Code {
	if pl.Nodes[g.p.Output].LZero {
		return jen.Null()
	}
	return jen.If(jen.Id("lap != nil")).Block(g.lapOut(pl, g.lStart()))
}

// gradOut prints: if grad != nil { m.bwdGrad(w, nb); store(grad, ∇φ) }.
func (g *gen) gradOut() jen.Code {
	return jen.If(jen.Id("grad != nil")).Block(raw("m.bwdGrad(w, nb)"), g.store("grad[b0*Dim:]", "w."+g.names[0]+"B", g.wt()))
}

// loadX prints the load of the chunk's inputs into the input stack.
func (g *gen) loadX() jen.Code { return g.load("w."+g.names[0], "x[b0*Dim:]", "nb", "1") }

// genPhi prints Phi: chunks of fwdValues, φ summed into phi.
func (g *gen) genPhi() {
	g.f.Comment("Phi writes φ(x_b) to phi[b] for the B = len(x)/Dim inputs in x.")
	g.f.Comment("It panics on inconsistent lengths. It does not allocate.")
	g.method("Phi", wsParam(), floats("phi, x")).Block(append(g.prologue(g.lenCheck("phi", "B"), raw("clear(phi)"), g.setLite("false")),
		g.chunks("cv", g.loadX(), raw("m.fwdValues(w, nb)"), g.phiOut()))...)
}

// genGrad prints Grad: chunks of fwdValues and bwdGrad.
func (g *gen) genGrad() {
	g.f.Comment("Grad writes φ(x_b) to phi[b] (phi may be nil) and ∇φ(x_b) to grad[b·Dim:(b+1)·Dim].")
	g.f.Comment("∇φ comes from backpropagation. It panics on inconsistent lengths. It does not allocate.")
	g.method("Grad", wsParam(), floats("phi, grad, x")).Block(append(g.prologue(g.lenCheckNil("phi", "B"), g.lenCheck("grad", "len(x)"), clearIf("phi"), raw("clear(grad)"), g.setLite("phi == nil")),
		g.chunks("cv", g.loadX(), raw("m.fwdValues(w, nb)"),
			jen.If(jen.Id("phi != nil")).Block(g.phiOut()),
			raw("m.bwdGrad(w, nb)"),
			g.store("grad[b0*Dim:]", "w."+g.names[0]+"B", g.wt())))...)
}

// genLaplacian prints Laplacian: chunks of fwdLaplacian (and bwdGrad).
func (g *gen) genLaplacian() {
	g.f.Comment("Laplacian writes φ (phi may be nil), ∇φ (grad may be nil) and the exact")
	g.f.Comment("Laplacian Δφ(x_b) = Σ_i ∂²φ/∂x_i² to lap[b]. It panics on inconsistent lengths.")
	g.f.Comment("It does not allocate.")
	g.method("Laplacian", wsParam(), floats("phi, grad, lap, x")).Block(append(g.prologue(g.lenCheckNil("phi", "B"), g.lenCheckNil("grad", "len(x)"), g.lenCheck("lap", "B"),
		clearIf("phi"), clearIf("grad"), raw("clear(lap)"), g.setLite("phi == nil")),
		g.chunks("c", g.setB0(), g.loadX(), raw("m.fwdLaplacian(w, nb)"),
			jen.If(jen.Id("phi != nil")).Block(g.phiOut()),
			g.lapOut(g.plans[plan.Laplacian], "nb"),
			g.gradOut()))...)
}

// genHutchinson prints Hutchinson: chunks of fwdHutch with the probe rows.
func (g *gen) genHutchinson() {
	g.f.Comment("Hutchinson is Laplacian with Δφ replaced by the unbiased estimate")
	g.f.Comment("(1/P) Σ_p v_pᵀ∇²φ v_p for the P = NumProbes probes per sample in probes")
	g.f.Comment("(B·P·Dim numbers). It does not allocate.")
	g.method("Hutchinson", wsParam(), floats("phi, grad, lap, x, probes")).Block(append(g.prologue(g.lenCheckNil("phi", "B"), g.lenCheckNil("grad", "len(x)"), g.lenCheck("lap", "B"), g.lenCheck("probes", "len(x)*NumProbes"),
		clearIf("phi"), clearIf("grad"), raw("clear(lap)"), g.setLite("phi == nil")),
		g.chunks("c", g.loadX(), g.probeLoad(g.plans[plan.Hutch]), raw("m.fwdHutch(w, nb)"),
			jen.If(jen.Id("phi != nil")).Block(g.phiOut()),
			g.lapOut(g.plans[plan.Laplacian], "nb"),
			g.gradOut()))...)
}

// probeLoad prints the load of each sample's probes, scaled by 1/√P, into
// the input's Jacobian rows:
//
//	for b := 0; b < nb; b++ { load(rows(w.x, 2*nb+b*NumProbes, NumProbes, Dim), probes[…], NumProbes, 1/√P) }
func (g *gen) probeLoad(pl *plan.Plan) jen.Code {
	if !pl.Nodes[0].Rows {
		return jen.Null() // the probes do not enter this network's estimate
	}
	g.rev = pl.Mode.IsReverse()
	return jen.For(raw("b := 0; b < nb; b++")).Block(
		g.load(fmt.Sprintf("rows(w.%s, %s+b*NumProbes, NumProbes, Dim)", g.names[0], g.jStart()), "probes[(b0+b)*NumProbes*Dim:]", "NumProbes", lit(1/sqrt(float64(g.P)))))
}

// genReverse prints Reverse (name "Reverse") or ReverseHutchinson (name
// "HutchRev", hutch): the length checks, then chunks of fwd<name> and
// bwd<name> with the tangents u (and the probes) loaded.
func (g *gen) genReverse(name string, pl *plan.Plan, hutch bool) {
	g.rev = true
	params := []jen.Code{wsParam(), floats("dx, dtheta, lap, x, c, u, s")}
	checks := []jen.Code{g.lenCheck("dx", "len(x)"), g.lenCheck("dtheta", "NumParams"), g.lenCheckNil("lap", "B"), g.lenCheck("u", "len(x)"), g.lenCheckNil("c", "B"), g.lenCheckNil("s", "B")}
	mname := "ReverseLap"
	if hutch {
		params = []jen.Code{wsParam(), floats("dx, dtheta, lap, x, c, u, s, probes")}
		checks = append(checks, g.lenCheck("probes", "len(x)*NumProbes"))
		mname = "ReverseHutchinsonLap"
	}
	checks = append(checks, raw("clear(dx)"), clearIf("lap"))
	checks = append(checks, g.timeGradRedirect()...)
	checks = append(checks, g.setLite("c == nil"))
	g.method(mname, params...).Block(append(append(g.prologue(checks...), g.chunks("c", g.reverseChunk(name, pl, hutch)...)), g.timeGradBack()...)...)
}

// reverseChunk is the body of genReverse's loop over chunks.
func (g *gen) reverseChunk(name string, pl *plan.Plan, hutch bool) []jen.Code {
	in := g.names[0]
	tOff, _ := g.layout(segT)
	body := []jen.Code{
		g.loadX(),
		g.load(fmt.Sprintf("rows(w.%s, %s, nb, Dim)", in, tOff.expr(pl.Width)), "u[b0*Dim:]", "nb", "1"),
	}
	if hutch {
		body = append(body, g.probeLoad(pl))
	} else {
		body = append([]jen.Code{g.setB0()}, body...) // only Reverse reads kept outputs
	}
	gradArg := "dtheta"
	if g.is32 {
		gradArg = "w.g32"
		body = append(body, raw("clear(w.g32)"))
	}
	body = append(body,
		raw("var cb, sb []float64"),
		jen.If(jen.Id("c != nil")).Block(raw("cb = c[b0 : b0+nb]")),
		jen.If(jen.Id("s != nil")).Block(raw("sb = s[b0 : b0+nb]")),
		raw("m.fwd%s(w, nb)", name),
		g.revLapOut(pl),
		raw("m.bwd%s(w, nb, cb, sb, %s, %s)", name, g.wt(), gradArg),
		g.store("dx[b0*Dim:]", "w."+in+"B", "1"),
	)
	if g.is32 {
		body = append(body, jen.For(raw("i, v := range w.g32")).Block(raw("dtheta[i] += float64(v)")))
	}
	return body
}

// setLite tells the forward functions whether φ's value is wanted (see
// findLiteAct).
func (g *gen) setLite(cond string) jen.Code {
	if g.liteAct == 0 {
		return jen.Null()
	}
	return raw("w.lite = %s", cond)
}

// setB0 records the chunk's first sample for LaplacianSave and ReverseSaved.
func (g *gen) setB0() jen.Code {
	if g.saveNode == 0 {
		return jen.Null()
	}
	return raw("w.b0 = b0")
}

// saver emits SaveSize, LaplacianSave and ReverseSaved (runtime.Saver) when
// the model has a dense layer of the input whose outputs can be kept.
func (g *gen) saver() {
	if g.saveNode == 0 {
		return
	}
	n := g.p.Nodes[g.saveNode]
	N := n.Shape.Size()
	g.f.Comment(LineComment(fmt.Sprintf("SaveSize returns the numbers per sample LaplacianSave keeps: the %d outputs", N)))
	g.f.Comment(LineComment(fmt.Sprintf("W·x + b of %s (%s).", n.Name, g.pos(n))))
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("SaveSize").Params().Int().Block(jen.Return(jen.Lit(N)))
	check := func(name string) jen.Code {
		return jen.If(jen.Id(fmt.Sprintf("len(%s) != len(x)/Dim*%d", name, N))).Block(jen.Panic(jen.Lit(fmt.Sprintf("%s: len(%s) != B·SaveSize()", g.pkg, name))))
	}
	g.f.Comment("LaplacianSave is Laplacian that also writes the outputs of the input's")
	g.f.Comment("dense layer to save (B·SaveSize() numbers) for ReverseSaved. It does not")
	g.f.Comment("allocate.")
	g.method("LaplacianSave", wsParam(), floats("phi, grad, lap, x, save")).Block(
		raw("w := ws.(*Workspace)"), check("save"),
		raw("w.saveOut = save"),
		jen.Defer().Func().Params().Block(raw("w.saveOut = nil")).Call(),
		raw("m.Laplacian(ws, phi, grad, lap, x)"))
	g.f.Comment("ReverseSaved is Reverse at inputs x whose save was written by LaplacianSave")
	g.f.Comment("with the same x and parameters: it reuses the kept outputs instead of")
	g.f.Comment("recomputing that product. It does not allocate.")
	g.method("ReverseSaved", wsParam(), floats("dx, dtheta, x, c, u, s, save")).Block(
		raw("w := ws.(*Workspace)"), check("save"),
		raw("w.saveIn = save"),
		jen.Defer().Func().Params().Block(raw("w.saveIn = nil")).Call(),
		raw("m.Reverse(ws, dx, dtheta, x, c, u, s)"))
	g.f.Var().Id("_").Qual(pathRuntime, "Saver").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
}

func sqrt(x float64) float64 {
	return math.Sqrt(x)
}

// load returns the call of load that writes g·src·scale for n samples into
// dst; the group element gi is an argument only where a group is averaged.
func (g *gen) load(dst, src, n, scale string) jen.Code {
	if g.group > 1 {
		return raw("load(%s, %s, %s, gi, %s)", dst, src, n, scale)
	}
	return raw("load(%s, %s, %s, %s)", dst, src, n, scale)
}

// store returns the call of store that adds scale·gᵀsrc for nb samples to
// dst.
func (g *gen) store(dst, src, scale string) jen.Code {
	if g.group > 1 {
		return raw("store(%s, %s, nb, gi, %s)", dst, src, scale)
	}
	return raw("store(%s, %s, nb, %s)", dst, src, scale)
}
