package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/ir"
)

// Time-dependent potentials φ(x, t).
//
// For a fixed t every time term is a bias or a per-output scale of its
// layer (ir.KernelProgram), so the kernels are those of the time-free
// network, planned and emitted as for any other spec, and run on the
// effective parameters θ′(t) (ir.TimeMap). A Model holds θ; each Workspace
// holds its time and its own kernel model with θ′(t) and everything Sync
// derives from it, refreshed by at when the time or θ changed (so
// workspaces at different times run concurrently). Reverse accumulates
// ∂G/∂θ′ in the workspace and maps it back to ∂G/∂θ at the workspace's time.
// For float64 specs (split) the kernel model forms what does not depend on t
// once per θ and the rest at each new time, the kernels apply some gates as
// scales (timescale.go), and the part of ∂G/∂θ′ whose map back does not
// depend on t may wait for FlushGrad. Nothing here is emitted for a spec
// without time: its output is unchanged.

// timed reports whether the spec is time-dependent.
func (g *gen) timed() bool { return g.full.TimeDependent() }

// timeDoc adds the time-dependence to the package documentation.
func (g *gen) timeDoc(b *strings.Builder) {
	if !g.timed() {
		return
	}
	t := g.full.TimeName
	fmt.Fprintf(b, "\nφ depends on the time %s, one number per evaluation shared by the batch (SetTime; 0 in a new Workspace); ∇φ and Δφ are in x only. Time terms, per layer:\n\n", t)
	for _, n := range g.full.Nodes {
		if s := timeFormula(n, t); s != "" {
			fmt.Fprintf(b, "\t%s: %s\n", n.Name, s)
		}
	}
	fmt.Fprintf(b, "\nFor fixed %s each is a bias or a per-output scale of its layer: the kernels evaluate the network without time terms with the effective parameters W′ = diag(s)·W, b′ = s⊙(b + U·f(%s)) + V·f(%s), s = sigmoid(A·f(%s) + c), kept per Workspace and refreshed when the time or θ changes; the strategies below are those of that network.\n", t, t, t, t)
}

// timeFormula describes the time terms of n, or returns "".
func timeFormula(n *ir.Node, t string) string {
	var parts []string
	if n.Time != nil {
		parts = append(parts, fmt.Sprintf("+ U·f(%s), f(%s) = %s", t, t, n.Time.String(t)))
	}
	if n.Gate != nil {
		s := fmt.Sprintf("⊙ sigmoid(A·g(%s) + c)", t)
		if n.GateShift {
			s += fmt.Sprintf(" + V·g(%s)", t)
		}
		parts = append(parts, fmt.Sprintf("%s, g(%s) = %s", s, t, n.Gate.String(t)))
	}
	return strings.Join(parts, "; ")
}

// timeConsts declares the length of θ′.
func (g *gen) timeConsts() []jen.Code {
	if !g.timed() {
		return nil
	}
	return []jen.Code{
		jen.Comment("numKernelParams is the length of θ′(t), the kernels' parameters at a time t."),
		jen.Id("numKernelParams").Op("=").Lit(g.p.NumParams()),
	}
}

// timeModelFields adds θ's version to Model.
func (g *gen) timeModelFields() []jen.Code {
	if !g.timed() {
		return nil
	}
	f := []jen.Code{jen.Id("timeVersion").Uint64().Comment("incremented by Sync: the workspaces' kernel models refresh θ′ when it changes")}
	if g.split() {
		f = append(f,
			jen.Id("timeS").Index().Float64().Comment("kernel models: the gates s(t) that the kernels apply as scales (ir.TimeLayer.Scaled)"),
			jen.Id("timeS2").Index().Float64().Comment("kernel models: s²"))
	}
	return f
}

// timeWorkspaceFields adds the time state to Workspace.
func (g *gen) timeWorkspaceFields() []jen.Code {
	if !g.timed() {
		return nil
	}
	f := []jen.Code{
		jen.Id("timeNow").Float64().Comment("the time set by SetTime"),
		jen.Id("timeModel").Op("*").Id("Model").Comment("the kernel model: θ′(timeAt) of timeOf's θ and what sync derives from it"),
		jen.Id("timeOf").Op("*").Id("Model").Comment("the model whose θ timeModel holds"),
		jen.Id("timeAt").Float64().Comment("the time of timeModel's θ′"),
		jen.Id("timeVer").Uint64().Comment("timeOf's timeVersion when θ′ was formed"),
		jen.Id("timeSet").Bool().Comment("θ′ has been formed"),
		g.timeGradField(),
		jen.Id("timeScratch").Index().Float64().Comment("scratch of the time map"),
	}
	if g.split() {
		f = append(f, jen.Id("timeGS").Index().Float64().Comment("s⊙∂G/∂s of the gates the kernels apply, of one Reverse call"))
	}
	return f
}

// timeGradField declares Workspace.timeGrad.
func (g *gen) timeGradField() jen.Code {
	if g.split() {
		return jen.Id("timeGrad").Index().Float64().Comment("∂G/∂θ′ of one Reverse call, plus, with deferral, the part BackFixed has not taken yet")
	}
	return jen.Id("timeGrad").Index().Float64().Comment("∂G/∂θ′ of one Reverse call")
}

// timeWorkspaceAlloc allocates the time state of a new Workspace.
func (g *gen) timeWorkspaceAlloc() []jen.Code {
	if !g.timed() {
		return nil
	}
	a := []jen.Code{
		raw("w.timeModel = newModel()"),
		raw("w.timeGrad = make([]float64, NumParams)"),
		raw("w.timeScratch = make([]float64, timeMap().Scratch)"),
	}
	if g.split() {
		a = append(a,
			raw("w.timeGS = make([]float64, timeMap().NumScaled)"),
			raw("w.timeModel.timeS = make([]float64, timeMap().NumScaled)"),
			raw("w.timeModel.timeS2 = make([]float64, timeMap().NumScaled)"))
	}
	return a
}

// syncFuncs emits Sync, whose body is sync: for a time-dependent model the
// body becomes sync (run on the workspaces' kernel models at each new time)
// and Sync marks θ as changed; bodyW, what derives from weights that do not
// depend on t (split: every layer but the gated ones that keep W′), becomes
// syncTheta, run once per θ.
func (g *gen) syncFuncs(body, bodyW []jen.Code) {
	f := g.f
	if !g.timed() {
		f.Comment("Sync refreshes everything derived from θ: call it after every change of Params.")
		f.Comment("It does not allocate.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Sync").Params().Block(body...)
		return
	}
	f.Comment("Sync records a change of θ: call it after every change of Params. Each")
	f.Comment("Workspace forms θ′(t) anew on its next use. It does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Sync").Params().Block(raw("m.timeVersion++"))
	f.Comment("sync refreshes everything derived from the kernel parameters θ′ of a")
	f.Comment("workspace's kernel model. It does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("sync").Params().Block(body...)
	if g.split() {
		f.Comment("syncTheta refreshes what a workspace's kernel model derives from the weights")
		f.Comment("of θ′ that do not depend on t, once per θ. It does not allocate.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("syncTheta").Params().Block(bodyW...)
	}
	g.timeFuncs()
}

// split reports whether the kernel models keep what does not depend on t
// across stage times (float64: the kernels read θ′ itself, and for float32
// θ′ is converted whole at each new time): the plan decides (plan.TimeState).
func (g *gen) split() bool { return g.pm.Time != nil && g.pm.Time.Split }

// fixedW reports whether, in a split model, node i's kernel weight is θ's
// own (no gate, or a gate the kernels apply), so that what Sync derives
// from it is formed once per θ.
func (g *gen) fixedW(i int) bool {
	return g.split() && (g.full.Nodes[i].Gate == nil || g.gated(i))
}

// deferTime reports whether a split model may defer gradient terms: every
// deferred Jacobian coefficient term multiplies a weight that does not
// depend on t, and the rest of ∂G/∂θ′ whose map does not depend on t
// waits for FlushGrad.
func (g *gen) deferTime() bool {
	if !g.split() {
		return false
	}
	for i := range g.p.Nodes {
		if g.jbCoef(i) && !g.fixedW(i) {
			return false
		}
	}
	return true
}

// deferBody is DeferGrad's body: deferral sums sample-independent terms
// over calls, which a time-dependent model's calls at different times
// share only where they do not depend on t (deferTime); otherwise it stays
// off.
func (g *gen) deferBody() jen.Code {
	if g.timed() && !g.deferTime() {
		return jen.Comment("deferral stays off: each Reverse maps its gradient back at its own time")
	}
	return raw("ws.(*Workspace).deferGrad = on")
}

// timeAt switches a public method to the workspace's kernel model.
func (g *gen) timeAt() []jen.Code {
	if !g.timed() {
		return nil
	}
	return []jen.Code{raw("m = m.at(w)")}
}

// timeGradRedirect makes Reverse accumulate ∂G/∂θ′ in the workspace.
func (g *gen) timeGradRedirect() []jen.Code {
	if !g.timed() {
		return nil
	}
	if g.split() {
		// w.timeGrad holds only the deferred part that BackFixed has not
		// taken yet: the kernels add to it
		return []jen.Code{raw("dth := dtheta"), raw("dtheta = w.timeGrad")}
	}
	return []jen.Code{raw("dth := dtheta"), raw("dtheta = w.timeGrad"), raw("clear(dtheta)")}
}

// timeGradBack maps Reverse's ∂G/∂θ′ back to θ.
func (g *gen) timeGradBack() []jen.Code {
	if !g.timed() {
		return nil
	}
	if g.split() {
		return []jen.Code{
			jen.Comment("∂G/∂θ from ∂G/∂θ′: what depends on the workspace's time now, the rest now or,"),
			jen.Comment("with deferral, summed over calls until FlushGrad"),
			raw("timeMap().BackTime(dth, w.timeGrad[:numKernelParams], w.timeOf.theta, w.timeAt, w.timeScratch, w.timeGS)"),
			jen.If(jen.Id("!w.deferGrad")).Block(raw("timeMap().BackFixed(dth, w.timeGrad[:numKernelParams])")),
		}
	}
	return []jen.Code{
		jen.Comment("∂G/∂θ from ∂G/∂θ′ at the workspace's time"),
		raw("timeMap().Back(dth, w.timeGrad[:numKernelParams], w.timeOf.theta, w.timeAt, w.timeScratch)"),
	}
}

// timeFlushBody is FlushGrad's body for a time-dependent model (flush: the
// kernels' deferred terms, on the kernel model), emitting flushKernel.
func (g *gen) timeFlushBody(flush []jen.Code) []jen.Code {
	check := jen.If(jen.Id("len(dtheta) != NumParams")).Block(jen.Panic(jen.Lit(g.pkg + ": len(dtheta) != NumParams")))
	if !g.deferTime() {
		return []jen.Code{check}
	}
	body := []jen.Code{raw("w := ws.(*Workspace)"), check}
	if len(flush) > 0 {
		g.f.Comment("flushKernel adds the kernels' deferred terms, with the weights of the kernel")
		g.f.Comment("model m (which do not depend on t), to dtheta (in θ′'s layout).")
		g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("flushKernel").Params(jen.Id("w").Op("*").Id("Workspace"), jen.Id("dtheta").Index().Float64()).Block(flush...)
		body = append(body, raw("w.timeModel.flushKernel(w, w.timeGrad)"))
	}
	return append(body, jen.Comment("the part of ∂G/∂θ′ summed over calls whose map does not depend on t"),
		raw("timeMap().BackFixed(dtheta, w.timeGrad[:numKernelParams])"))
}

// timeFuncs emits the time map, at and SetTime.
func (g *gen) timeFuncs() {
	f := g.f
	f.Comment("timeMap maps θ to the kernels' θ′(t) and gradients back (ir.TimeMap).")
	f.Var().Id("timeMap").Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Op("*").Qual(pathIR, "TimeMap").Block(
		raw("p := Program()"),
		raw("return p.TimeMap(p.KernelProgram()%s)", g.scaledList()),
	))
	f.Comment("at returns w's kernel model, with θ′ formed from m's θ at w's time: anew")
	f.Comment("when the time, the model or θ (Sync) changed since it was last formed.")
	f.Comment("It does not allocate.")
	var body []jen.Code
	if g.split() {
		// What does not depend on t is formed once per θ, the rest at each new time.
		body = []jen.Code{
			raw("fresh := !w.timeSet || w.timeOf != m || w.timeVer != m.timeVersion"),
			jen.If(jen.Id("fresh")).Block(
				raw("timeMap().ApplyTheta(w.timeModel.theta[:numKernelParams], m.theta)"),
				raw("w.timeModel.syncTheta()"),
				raw("w.timeOf, w.timeVer, w.timeSet = m, m.timeVersion, true"),
			),
			jen.If(jen.Id("fresh || w.timeAt != w.timeNow")).Block(
				raw("k := w.timeModel"),
				raw("timeMap().ApplyTime(k.theta[:numKernelParams], m.theta, w.timeNow, w.timeScratch, k.timeS)"),
				jen.For(raw("i, v := range k.timeS")).Block(raw("k.timeS2[i] = v * v")),
				raw("k.sync()"),
				raw("w.timeAt = w.timeNow"),
			),
		}
	} else {
		body = []jen.Code{jen.If(jen.Id("!w.timeSet || w.timeOf != m || w.timeVer != m.timeVersion || w.timeAt != w.timeNow")).Block(
			raw("timeMap().Apply(w.timeModel.theta[:numKernelParams], m.theta, w.timeNow, w.timeScratch)"),
			raw("w.timeModel.sync()"),
			raw("w.timeOf, w.timeVer, w.timeAt, w.timeSet = m, m.timeVersion, w.timeNow, true"),
		)}
	}
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("at").Params(jen.Id("w").Op("*").Id("Workspace")).Op("*").Id("Model").Block(
		append(body, raw("return w.timeModel"))...,
	)
	f.Comment(LineComment(fmt.Sprintf("SetTime sets the time %s at which the methods called with ws evaluate φ", g.full.TimeName)))
	f.Comment("(runtime.TimeDependent). It does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("SetTime").Params(jen.Id("ws").Qual(pathRuntime, "Workspace"), jen.Id("t").Float64()).Block(
		raw("ws.(*Workspace).timeNow = t"))
	f.Var().Id("_").Qual(pathRuntime, "TimeDependent").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
}
