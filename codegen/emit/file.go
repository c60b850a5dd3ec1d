package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/kern"
)

func (g *gen) file() {
	g.f = jen.NewFile(g.pkg)
	g.f.ImportNames(map[string]string{pathRuntime: "runtime", pathIR: "ir", pathKern: "kern", pathGemm: "gemm",
		pathBlas: "blas", pathBlas64: "blas64", pathBlas32: "blas32", pathMath: "math", "sync": "sync"})
	inv := g.opt.Invocation
	if inv == "" {
		inv = "mafc gen " + g.srcName()
	}
	g.f.HeaderComment(HeaderLine(inv))
	// One // line per line: jennifer renders a multi-line comment as /* */.
	for _, line := range LineComments(g.packageDoc()) {
		g.f.PackageComment(line)
	}
	g.consts()
	g.model()
	g.workspace()
	g.public()
	for _, m := range []plan.Mode{plan.Values, plan.Laplacian, plan.Reverse, plan.Hutch, plan.HutchRev} {
		g.fwd(g.plans[m])
	}
	g.bwdGrad()
	g.bwdReverse(g.plans[plan.Reverse])
	g.bwdReverse(g.plans[plan.HutchRev])
	g.helpers()
}

// formula returns a one-line mathematical description of node n.
func (g *gen) formula(n *ir.Node) string {
	in := func(k int) string { return g.p.Nodes[n.Inputs[k]].Name }
	switch n.Op {
	case ir.OpInput:
		return fmt.Sprintf("%s ∈ R^%d (%s %v)", n.Name, n.Shape.Size(), g.p.InputKind, n.Shape)
	case ir.OpDense:
		b := ""
		if n.Bias {
			b = " + b"
		}
		return fmt.Sprintf("%s = W·%s%s, W ∈ R^(%d×%d)", n.Name, in(0), b, n.Out, g.p.Nodes[n.Inputs[0]].Shape.Size())
	case ir.OpConv:
		b := ""
		if n.Bias {
			b = " + b"
		}
		return fmt.Sprintf("%s = conv%dx%d(%s)%s, periodic, %d→%d channels", n.Name, n.K1, n.K2, in(0), b, g.p.Nodes[n.Inputs[0]].Shape.C, n.Out)
	case ir.OpAct:
		return fmt.Sprintf("%s = %s(%s)", n.Name, n.Act, in(0))
	case ir.OpAdd:
		return fmt.Sprintf("%s = %s + %s", n.Name, in(0), in(1))
	case ir.OpScale:
		return fmt.Sprintf("%s = %s·%s", n.Name, lit(n.Scale), in(0))
	case ir.OpSum:
		return fmt.Sprintf("%s = Σ %s", n.Name, in(0))
	case ir.OpMean:
		return fmt.Sprintf("%s = mean(%s)", n.Name, in(0))
	case ir.OpPool:
		if n.Mean {
			return fmt.Sprintf("%s = mean over sites of %s (per channel)", n.Name, in(0))
		}
		return fmt.Sprintf("%s = Σ over sites of %s (per channel)", n.Name, in(0))
	}
	return n.Name
}

func (g *gen) packageDoc() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Package %s evaluates the potential φ declared in %s", g.pkg, g.srcName())
	if g.p.Doc != "" {
		b.WriteString(":\n")
		for _, l := range strings.Split(g.p.Doc, "\n") {
			b.WriteString(l + "\n")
		}
	} else {
		b.WriteString(".\n")
	}
	b.WriteString("\nThe potential, node by node:\n\n")
	for _, n := range g.p.Nodes {
		fmt.Fprintf(&b, "\t%s\n", g.formula(n))
		for _, l := range strings.Split(strings.TrimSpace(n.Doc), "\n") {
			if l != "" {
				fmt.Fprintf(&b, "\t    ↳ %s\n", l)
			}
		}
	}
	fmt.Fprintf(&b, "\tφ = %s\n", g.p.Nodes[g.p.Output].Name)
	for _, s := range g.p.Symmetries {
		fmt.Fprintf(&b, "\nSymmetry %s, %s: %s.\n", s.Group, s.Strategy, s.Reason)
	}
	if g.group > 1 {
		fmt.Fprintf(&b, "\nThe exported methods evaluate the orbit average φ(x) = (1/%d) Σ_g f(g·x) with ∇φ(x) = (1/%d) Σ_g gᵀ∇f(g·x) and Δφ(x) = (1/%d) Σ_g Δf(g·x), f being the network above.\n", g.group, g.group, g.group)
	}
	b.WriteString("\nExact Laplacian strategy per node (forward Laplacian, reverse mode):\n\n")
	lp, rp := g.plans[plan.Laplacian], g.plans[plan.Reverse]
	for i, n := range g.p.Nodes {
		fmt.Fprintf(&b, "\t%-12s %s | %s\n", n.Name, lp.Nodes[i].Kind, rp.Nodes[i].Kind)
	}
	g.timeDoc(&b)
	fmt.Fprintf(&b, "\nParameters: %d %s numbers in one flat vector θ:\n\n", g.full.NumParams(), "float64")
	for _, pr := range g.full.Params {
		fmt.Fprintf(&b, "\tθ[%d:%d]  %s %v (%s)\n", pr.Offset, pr.Offset+pr.Size, pr.Name, pr.Shape, pr.Role)
	}
	fmt.Fprintf(&b, "\nKernels compute in %s. Every method is allocation-free given a Workspace; a Workspace belongs to one goroutine.", g.T)
	return b.String()
}

func (g *gen) consts() {
	f := g.f
	f.Comment("GenVersion is the generated-code contract this file was written for.")
	f.Const().Id("GenVersion").Op("=").Lit(GenVersion)
	f.Comment("Fail to compile when this file and package runtime disagree: regenerate")
	f.Comment("(go generate) for an old file, or update mafc for an old runtime.")
	f.Const().Defs(
		jen.Id("_").Op("=").Qual(pathRuntime, "EnforceVersion").Call(jen.Id("GenVersion").Op("-").Qual(pathRuntime, "MinGenVersion")),
		jen.Id("_").Op("=").Qual(pathRuntime, "EnforceVersion").Call(jen.Qual(pathRuntime, "MaxGenVersion").Op("-").Id("GenVersion")),
	)
	f.Var().Id("_").Qual(pathRuntime, "Potential").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
	in := g.p.Nodes[0]
	defs := []jen.Code{
		jen.Comment(LineComment(fmt.Sprintf("Dim is the input dimension D: %s (%s).", g.formula(in), g.pos(in)))),
		jen.Id("Dim").Op("=").Lit(g.D),
		jen.Comment("NumParams is the length of the flat parameter vector θ."),
		jen.Id("NumParams").Op("=").Lit(g.full.NumParams()),
		jen.Comment("Chunk is the most samples processed at once; larger batches are split so that"),
		jen.Comment("Jacobian buffers stay within the memory budget (and, for a convolutional"),
		jen.Comment("potential, a chunk's buffers within a core's cache: plan.CacheBudget)."),
		jen.Id("Chunk").Op("=").Lit(g.chunk),
		jen.Comment("ValueChunk is the most samples Phi and Grad process at once: without"),
		jen.Comment("Jacobian rows they can take taller products."),
		jen.Id("ValueChunk").Op("=").Lit(g.vchunk),
		jen.Comment("NumProbes is the number of Hutchinson probes per sample."),
		jen.Id("NumProbes").Op("=").Lit(g.P),
	}
	for _, n := range g.p.Nodes[1:] {
		if n.Doc != "" {
			defs = append(defs, jen.Comment(LineComment(fmt.Sprintf("size%s is the size of %s: %s", exported(g.names[n.ID]), n.Name, strings.ReplaceAll(strings.TrimSpace(n.Doc), "\n", " ")))))
		}
		defs = append(defs, jen.Id("size"+exported(g.names[n.ID])).Op("=").Lit(n.Shape.Size()).Comment(LineComment(fmt.Sprintf("%v, %s", n.Shape, g.pos(n)))))
	}
	defs = append(defs, g.timeConsts()...)
	f.Const().Defs(defs...)
	g.genOffsets()
	for i, n := range g.p.Nodes {
		if n.Op == ir.OpConv && n.Tie != "" {
			orbit, r := ir.KernelOrbits(n.Tie, n.K1)
			vals := make([]jen.Code, len(orbit))
			for k, o := range orbit {
				vals[k] = jen.Lit(o)
			}
			f.Comment(LineComment(fmt.Sprintf("%sOrbit maps each of the %d×%d offsets of %s's kernels to its %s orbit (%d orbits).", g.names[i], n.K1, n.K2, n.Name, n.Tie, r)))
			f.Var().Id(g.names[i] + "Orbit").Op("=").Index().Int().Values(vals...)
		}
	}
	f.Comment("irJSON is the IR this package was generated from (for Program and the tests).")
	f.Const().Id("irJSON").Op("=").Add(g.irLiteral())
	if g.group > 1 {
		var groups []string
		for _, s := range g.p.Averaged() {
			groups = append(groups, fmt.Sprintf("%q", s.Group))
		}
		s := g.p.InputShape()
		f.Comment(LineComment(fmt.Sprintf("group holds the %d elements of the averaged symmetry group as signed permutations of x.", g.group)))
		f.Var().Id("group").Op("=").Qual(pathIR, "ProductElements").Call(
			raw("[]ir.Group{%s}", strings.Join(groups, ", ")),
			jen.Qual(pathIR, "Shape").Values(jen.Dict{jen.Id("N"): jen.Lit(s.N), jen.Id("L1"): jen.Lit(s.L1), jen.Id("L2"): jen.Lit(s.L2), jen.Id("C"): jen.Lit(s.C)}))
	}
}

// model prints the Model type, New, the accessors, Sync and Program.
func (g *gen) model() {
	g.genModelType()
	g.genNew()
	g.genAccessors()
	g.genSync()
	g.genProgram()
}

// genModelType prints the Model struct: θ, the kernels' view of it, and
// what Sync derives from it per layer (packed weights, circulant matrices,
// expanded tied kernels, row norms, shifted-kernel and orbit-factored
// matrices, Gram bases).
func (g *gen) genModelType() {
	f := g.f
	fields := []jen.Code{
		jen.Id("theta").Index().Float64().Comment("θ, the master copy"),
	}
	fields = append(fields, g.timeModelFields()...)
	if g.is32 {
		fields = append(fields, jen.Id("p").Index().Id(g.T).Comment("θ in float32, refreshed by Sync"))
	} else {
		fields = append(fields, jen.Id("p").Index().Id(g.T).Comment("the kernels' view of θ (the same slice)"))
	}
	packT := "PackedB64"
	if g.is32 {
		packT = "PackedB32"
	}
	for i, n := range g.p.Nodes {
		if n.Op == ir.OpDense || n.Op == ir.OpConv {
			fields = append(fields,
				jen.Id(g.names[i]+"Fwd").Qual(pathGemm, packT).Comment(LineComment(fmt.Sprintf("%s's weight packed as Wᵀ for forward products, refreshed by Sync", n.Name))),
				jen.Id(g.names[i]+"Bwd").Qual(pathGemm, packT).Comment(LineComment(fmt.Sprintf("%s's weight packed as W for backward products, refreshed by Sync", n.Name))))
		}
		if g.circ(n) {
			fields = append(fields, jen.Id(g.names[i]+"Circ").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's circulant matrix (sites·Cout × sites·Cin), refreshed by Sync", n.Name))),
				jen.Id(g.names[i]+"Geom").Op("*").Qual(pathKern, "ConvGeom"))
		}
		if n.Op == ir.OpConv && n.Tie != "" {
			fields = append(fields, jen.Id(g.names[i]+"Full").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("%s's kernels expanded from their %s-tied parameters, refreshed by Sync", n.Name, n.Tie))))
		}
		if g.direct(n) {
			fields = append(fields, g.directFields(n, packT)...)
		}
		if g.gather(n) {
			fields = append(fields, g.gatherFields(n, packT)...)
		}
		if g.sharedQ[i] {
			fields = append(fields, jen.Id(g.names[i]+"Norm2").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("squared row norms of %s's weight (its Jacobian's), refreshed by Sync", n.Name))))
		}
		if g.shift[i] {
			fields = append(fields, g.shiftFields(n, packT)...)
		}
		if g.factor[i] {
			fields = append(fields, g.factorFields(n, packT)...)
		}
		if g.gramBase[i] {
			fields = append(fields, jen.Id(g.names[i]+"Gram").Index().Id(g.T).Comment(LineComment(fmt.Sprintf("W·Wᵀ of %s's weight, refreshed by Sync", n.Name))))
		}
	}
	f.Comment("Model is the potential with its parameters. Its methods may be called")
	f.Comment("concurrently with distinct Workspaces while the parameters do not change.")
	f.Type().Id("Model").Struct(fields...)
}

// genNew prints New (and, for a time-dependent spec, newModel): allocate
// the derived buffers, initialise θ as the spec says, Sync.
func (g *gen) genNew() {
	f := g.f
	body := []jen.Code{raw("m := &Model{theta: make([]float64, NumParams)}")}
	if g.is32 {
		body = append(body, raw("m.p = make([]float32, NumParams)"))
	} else {
		body = append(body, raw("m.p = m.theta"))
	}
	for i, n := range g.p.Nodes {
		if g.circ(n) {
			in := g.p.Nodes[n.Inputs[0]].Shape
			body = append(body, raw("m.%sCirc = make([]%s, %d)", g.names[i], g.T, in.Size()*n.Shape.Size()),
				jen.Id("m."+g.names[i]+"Geom").Op("=").Qual(pathKern, "NewConvGeom").Call(jen.Lit(in.L1), jen.Lit(in.L2), jen.Lit(in.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)))
		}
		if n.Op == ir.OpConv && n.Tie != "" {
			in := g.p.Nodes[n.Inputs[0]].Shape
			body = append(body, raw("m.%sFull = make([]%s, %d)", g.names[i], g.T, n.Out*in.C*n.K1*n.K2))
		}
		if g.direct(n) {
			body = append(body, g.directNew(n)...)
		}
		if g.gather(n) {
			body = append(body, g.gatherNew(n)...)
		}
		if g.sharedQ[i] {
			k := n.Out
			if n.Op == ir.OpConv {
				k = n.Shape.Size() // tiled over the sites (Sync)
			}
			body = append(body, raw("m.%sNorm2 = make([]%s, %d)", g.names[i], g.T, k))
		}
		if g.gramBase[i] {
			body = append(body, raw("m.%sGram = make([]%s, %d)", g.names[i], g.T, n.Out*n.Out))
		}
		if g.shift[i] {
			body = append(body, g.shiftNew(n)...)
		}
		if g.factor[i] {
			body = append(body, g.factorNew(n)...)
		}
	}
	initBody := []jen.Code{raw("prog := Program()"), raw("prog.InitParams(m.theta, prog.InitSeed)"), raw("m.Sync()"), jen.Return(jen.Id("m"))}
	if g.timed() {
		f.Comment("newModel allocates a model with θ = 0.")
		f.Func().Id("newModel").Params().Op("*").Id("Model").Block(append(body, jen.Return(jen.Id("m")))...)
		body = []jen.Code{raw("m := newModel()")}
	}
	body = append(body, initBody...)
	f.Comment("New returns the model with θ initialised as the spec says (scheme and seed).")
	f.Func().Id("New").Params().Op("*").Id("Model").Block(body...)
}

// genAccessors prints Name, Dim, NumParams, Probes and Params.
func (g *gen) genAccessors() {
	f := g.f
	f.Comment("Name returns the model's name.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Name").Params().String().Block(jen.Return(jen.Lit(g.p.Name)))
	f.Comment("Dim returns the input dimension D.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Dim").Params().Int().Block(jen.Return(jen.Id("Dim")))
	f.Comment("NumParams returns len(θ).")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("NumParams").Params().Int().Block(jen.Return(jen.Id("NumParams")))
	f.Comment("Probes returns the number of Hutchinson probes per sample.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Probes").Params().Int().Block(jen.Return(jen.Id("NumProbes")))
	f.Comment("Params returns the live flat parameter vector θ; call Sync after changing it.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Params").Params().Index().Float64().Block(jen.Return(jen.Id("m.theta")))
}

// genSync prints Sync: per layer, expand tied kernels, build circulant
// matrices, pack W both ways, row norms, shifted-kernel and orbit-factored
// matrices and Gram bases, from the parameter views it declares first.
func (g *gen) genSync() {
	usedT, usedW := map[int]bool{}, map[int]bool{}
	var all, syncW []jen.Code
	if g.is32 {
		all = append(all, jen.For(raw("i, v := range m.theta")).Block(raw("m.p[i] = float32(v)")))
	}
	for i, n := range g.p.Nodes {
		// what a time-dependent spec derives from weights that do not depend on t goes to syncTheta
		fixed := g.fixedW(i)
		g.used = usedT
		if fixed {
			g.used = usedW
		}
		var sync []jen.Code
		if n.Op == ir.OpConv && n.Tie != "" {
			pr := g.p.Params[n.W]
			sync = append(sync, jen.Comment(LineComment(fmt.Sprintf("%s: expand the %s-tied kernels", n.Name, n.Tie))),
				kcall("TieExpand", "m."+g.names[i]+"Full", g.thetaSlice("m.p", n.W), g.names[i]+"Orbit", fmt.Sprint(pr.Shape[0]*pr.Shape[1]), fmt.Sprint(pr.Shape[2])))
		}
		if n.Op == ir.OpDense || n.Op == ir.OpConv {
			W := g.param(n.W)
			in, out := g.wdims(n)
			if g.circ(n) {
				sync = append(sync, jen.Comment(LineComment(fmt.Sprintf("%s: the circulant matrix of its whole-lattice kernels", n.Name))),
					kcall("Circulant", "m."+g.names[i]+"Circ", W, "m."+g.names[i]+"Geom"))
				W = "m." + g.names[i] + "Circ"
			}
			sync = append(sync, jen.Comment(LineComment(fmt.Sprintf("%s: pack W for the forward (X·Wᵀ) and backward (X̄·W) products", n.Name))),
				raw("m.%sFwd.Pack(true, %d, %d, %s, %d)", g.names[i], in, out, W, in),
				raw("m.%sBwd.Pack(false, %d, %d, %s, %d)", g.names[i], out, in, W, in))
		}
		if g.direct(n) {
			sync = append(sync, g.directSync(n)...)
		}
		if g.gather(n) {
			sync = append(sync, g.gatherSync(n)...)
		}
		if g.sharedQ[i] {
			W := g.param(n.W)
			in := g.p.Nodes[n.Inputs[0]].Shape
			cols := in.Size()
			if n.Op == ir.OpConv {
				cols = in.C * n.K1 * n.K2
			}
			sync = append(sync, jen.Comment(LineComment(fmt.Sprintf("%s: ‖W_j‖², the Jacobian's squared row norms (closed-form Laplacian)", n.Name))),
				kcall("RowNorms", "m."+g.names[i]+"Norm2", W, fmt.Sprint(n.Out), fmt.Sprint(cols)))
			if n.Op == ir.OpConv { // one per output element: channel j%C at every site
				sync = append(sync, kcall("Tile", "m."+g.names[i]+"Norm2", fmt.Sprint(n.Out)))
			}
		}
		if g.shift[i] || g.factor[i] {
			pair := g.pairSync(i, fixed, usedT, usedW)
			if fixed && !g.fixedW(g.p.Nodes[n.Inputs[0]].Inputs[0]) {
				all = append(all, pair...)
			} else {
				sync = append(sync, pair...)
			}
		}
		if g.gramBase[i] {
			W := g.param(n.W)
			in := g.p.Nodes[n.Inputs[0]].Shape.Size()
			sync = append(sync, jen.Comment(LineComment(fmt.Sprintf("%s: W·Wᵀ, the base of the Gram-matrix Laplacian", n.Name))),
				g.gemm(false, true, "1", "0", [3]string{fmt.Sprint(n.Out), fmt.Sprint(in), W}, [3]string{fmt.Sprint(n.Out), fmt.Sprint(in), W}, [3]string{fmt.Sprint(n.Out), fmt.Sprint(n.Out), "m." + g.names[i] + "Gram"}))
		}
		if fixed {
			syncW = append(syncW, sync...)
		} else {
			all = append(all, sync...)
		}
	}
	g.used = usedW
	declsW := g.paramDecls()
	g.used = usedT
	g.syncFuncs(append(g.paramDecls(), all...), append(declsW, syncW...))
}

// pairSync returns the Sync code of the shifted-kernel or orbit-factored
// matrix of convolution i, which reads both its own kernel and the first
// convolution's: in a split time-dependent model it derives from weights
// that do not depend on t only when both layers' are fixed (fixedW), and
// otherwise runs at each new time with the per-time part of Sync, so a
// gated first convolution does not leave the matrix of an earlier time.
// fixed is fixedW(i); g.used is set to the declarations of the part the
// code goes to.
func (g *gen) pairSync(i int, fixed bool, usedT, usedW map[int]bool) []jen.Code {
	n := g.p.Nodes[i]
	g.used = usedT
	if fixed && g.fixedW(g.p.Nodes[n.Inputs[0]].Inputs[0]) {
		g.used = usedW
	}
	defer func() {
		g.used = usedT
		if fixed {
			g.used = usedW
		}
	}()
	if g.shift[i] {
		return g.shiftSync(n)
	}
	return g.factorSync(n)
}

// genProgram prints the embedded IR's decoder, Program and Model.Program.
func (g *gen) genProgram() {
	f := g.f
	f.Var().Id("program").Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Op("*").Qual(pathIR, "Program").Block(
		raw("p, err := ir.Decode([]byte(irJSON))"),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Panic(jen.Lit(g.pkg+": corrupt embedded IR: ").Op("+").Id("err.Error()"))),
		jen.Return(jen.Id("p")),
	))
	f.Comment("Program returns the IR this package was generated from.")
	f.Func().Id("Program").Params().Op("*").Qual(pathIR, "Program").Block(jen.Return(jen.Id("program").Call()))
	f.Comment("Program returns the IR this package was generated from, the package's Program.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Program").Params().Op("*").Qual(pathIR, "Program").Block(jen.Return(jen.Id("Program").Call()))
}

// wsBuffers collects the Workspace's fields and the statements of
// NewWorkspaceChunks that allocate them.
type wsBuffers struct {
	T             string
	fields, alloc []jen.Code
}

// add declares the buffer name of size elements (an expression in c and
// cv) of the kernels' element type.
func (b *wsBuffers) add(name, size, comment string) {
	b.fields = append(b.fields, jen.Id(name).Index().Id(b.T).Comment(LineComment(comment)))
	b.alloc = append(b.alloc, raw("w.%s = make([]%s, %s)", name, b.T, size))
}

// workspace emits the Workspace type, its constructor, DeferGrad and
// FlushGrad.
func (g *gen) workspace() {
	ws := &wsBuffers{T: g.T}
	g.wsFixed(ws)
	for i, n := range g.p.Nodes {
		g.wsNode(ws, i, n)
	}
	g.wsScratch(ws)
	g.genWorkspace(ws)
}

// wsFixed declares the fields every workspace has: sizes, flags and the
// LaplacianSave/ReverseSaved state.
func (g *gen) wsFixed(ws *wsBuffers) {
	fields := []jen.Code{}
	fields = append(fields, jen.Id("max").Int().Comment("MaxBatch"), jen.Id("c").Int().Comment("samples per chunk"), jen.Id("cv").Int().Comment("samples per chunk of Phi and Grad"),
		jen.Id("deferGrad").Bool().Comment("see DeferGrad"))
	if g.liteAct > 0 {
		fields = append(fields, jen.Id("lite").Bool().Comment("φ's value not wanted (Grad, Laplacian, Hutchinson without phi; the reverse modes without c)"))
	}
	if g.saveNode > 0 {
		fields = append(fields,
			jen.Id("saveOut").Index().Float64().Comment("LaplacianSave's destination (nil otherwise)"),
			jen.Id("saveIn").Index().Float64().Comment("ReverseSaved's source (nil otherwise)"),
			jen.Id("b0").Int().Comment("first sample of the current chunk"))
	}
	ws.fields = append(ws.fields, fields...)
}

// wsNode declares node i's buffers: its row stack and cotangents, σ′, σ″
// and σ‴, row norms, coefficients, receptive-field and Gram Jacobians,
// shifted-kernel, orbit-factored and circulant scratch, convolution
// geometry.
func (g *gen) wsNode(ws *wsBuffers, i int, n *ir.Node) {
	add := ws.add
	name, sz := g.names[i], n.Shape.Size()
	add(name, chunkLen(3+g.rowsW[i], 1, sz), fmt.Sprintf("%s rows: values, ℓ, %d Jacobian rows per sample, tangents", n.Name, g.rowsW[i]))
	add(name+"B", chunkLen(3+g.jbRowsW[i], 1, sz), fmt.Sprintf("cotangents of %s", n.Name))
	if n.Op == ir.OpAct {
		add(name+"D1", chunkLen(1, 1, sz), "σ′ of "+n.Name)
		add(name+"D2", chunkLen(sz, 0, 1), "σ″ of "+n.Name)
		add(name+"D3", chunkLen(sz, 0, 1), "σ‴ of "+n.Name)
	}
	if g.needQ[i] {
		add(name+"Q", chunkLen(sz, 0, 1), "squared Jacobian row norms of "+n.Name)
	}
	if g.needE[i] {
		add(name+"E", chunkLen(sz, 0, 1), "2σ″ℓ̄ coefficients of "+n.Name+"'s Jacobian cotangent")
	}
	if g.jbCoef(i) {
		ws.fields = append(ws.fields, jen.Id(name+"EAcc").Index().Float64().Comment(LineComment("deferred Σ 2σ″ℓ̄ of "+n.Name+" (see FlushGrad)")))
		ws.alloc = append(ws.alloc, raw("w.%sEAcc = make([]float64, %d)", name, sz))
	}
	if g.rfR[i] > 0 {
		add(name+"RF", chunkLen(n.Shape.Sites()*g.rfR[i]*n.Shape.C, 0, 1), fmt.Sprintf("receptive-field Jacobian of %s (%d sites per window)", n.Name, g.rfR[i]))
	}
	if g.rfBR[i] > 0 {
		add(name+"RFB", chunkLen(n.Shape.Sites()*g.rfBR[i]*n.Shape.C, 0, 1), "receptive-field Jacobian cotangent of "+n.Name)
	}
	if g.shift[i] || g.dB[i] || g.factor[i] {
		for _, b := range g.shiftBuffers(n) {
			add(b[0], b[1], b[2])
		}
	}
	if g.gram[i] {
		add(name+"G", chunkLen(sz*sz, 0, 1), "per-sample Gram matrices J·Jᵀ of "+n.Name)
	}
	if g.circ(n) {
		add(name+"GCirc", fmt.Sprint(g.p.Nodes[n.Inputs[0]].Shape.Size()*n.Shape.Size()), "gradient of "+n.Name+"'s circulant matrix")
	}
	if g.direct(n) {
		cin, wd := g.directDims(n)
		add(name+"GDir", fmt.Sprint(wd*cin), "gradient of "+n.Name+"'s tap-orbit matrix Ωᵀ")
	}
	if g.gather(n) {
		add(name+"GGat", fmt.Sprint(gatherOrbits(n)*n.Out), "gradient of "+n.Name+"'s tap-orbit matrix Ω")
	}
	if n.Op == ir.OpConv && n.Tie != "" {
		in := g.p.Nodes[n.Inputs[0]].Shape
		add(name+"GFull", fmt.Sprint(n.Out*in.C*n.K1*n.K2), "gradient of "+n.Name+"'s full kernels, folded into the tied parameters")
	}
	if g.geom[i] {
		ws.fields = append(ws.fields, jen.Id(name+"Geom").Op("*").Qual(pathKern, "ConvGeom"))
		in := g.p.Nodes[n.Inputs[0]].Shape
		ws.alloc = append(ws.alloc, jen.Id("w."+name+"Geom").Op("=").Qual(pathKern, "NewConvGeom").Call(jen.Lit(in.L1), jen.Lit(in.L2), jen.Lit(in.C), jen.Lit(n.Out), jen.Lit(n.K1), jen.Lit(n.K2)))
	}
	if g.rfGeom[i] {
		ws.fields = append(ws.fields, jen.Id(name+"RFGeom").Op("*").Qual(pathKern, "RFGeom"))
		ws.alloc = append(ws.alloc, jen.Id("w."+name+"RFGeom").Op("=").Qual(pathKern, "NewRFGeom").Call(jen.Id("w."+name+"Geom"), windowLit(g.pm.Workspace.RFGeomWindow[i])))
	}
}

// wsScratch declares the scratch buffers shared by all nodes.
func (g *gen) wsScratch(ws *wsBuffers) {
	add := ws.add
	add("cols", chunkLen(g.colsRows, g.colsValRows, 1), "im2col scratch")
	add("rd", chunkLen(1, 1, g.maxSize), "row-dot scratch")
	if g.panelMax > 0 {
		add("panel", fmt.Sprint(g.panelMax), "one sample's diag(d)·Wᵀ panel")
		add("wtmp", fmt.Sprint(g.panelMax), "one sample's weight-gradient block")
	}
	if g.is32 {
		ws.fields = append(ws.fields, jen.Id("g32").Index().Float32().Comment("float32 parameter gradient of one chunk"))
		ws.alloc = append(ws.alloc, raw("w.g32 = make([]float32, NumParams)"))
	}
}

// genWorkspace prints the Workspace type, MaxBatch, DeferGrad, FlushGrad,
// NewWorkspace and NewWorkspaceChunks.
func (g *gen) genWorkspace(ws *wsBuffers) {
	fields, alloc := ws.fields, ws.alloc
	g.f.Comment("Workspace holds every buffer the methods use, sized for one chunk of samples.")
	g.f.Comment("A Workspace must not be shared between goroutines.")
	g.f.Type().Id("Workspace").Struct(append(fields, g.timeWorkspaceFields()...)...)
	g.f.Comment("MaxBatch returns the largest batch the workspace was made for.")
	g.f.Func().Params(jen.Id("w").Op("*").Id("Workspace")).Id("MaxBatch").Params().Int().Block(jen.Return(jen.Id("w.max")))
	body := []jen.Code{
		jen.If(jen.Id("maxBatch < 1 || chunk < 1 || valueChunk < 1")).Block(jen.Panic(jen.Lit(g.pkg + ": NewWorkspace: maxBatch, chunk and valueChunk must be positive"))),
		raw("c, cv := min(maxBatch, chunk), min(maxBatch, valueChunk)"),
		raw("w := &Workspace{max: maxBatch, c: c, cv: cv}"),
	}
	body = append(body, alloc...)
	body = append(body, g.timeWorkspaceAlloc()...)
	body = append(body, jen.Return(jen.Id("w")))
	var flush []jen.Code
	for i, n := range g.p.Nodes {
		if g.jbCoef(i) && (!g.timed() || g.deferTime()) {
			flush = append(flush, kcall("AddDiagRows", g.thetaSlice("dtheta", n.W), "w."+g.names[i]+"EAcc",
				g.thetaSlice("m.theta", n.W), fmt.Sprint(n.Out), "Dim"))
		}
	}
	g.f.Comment("DeferGrad turns deferral of sample-independent gradient terms on or off (see")
	g.f.Comment("runtime.GradDeferrer); with it on, call FlushGrad after the last Reverse.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("DeferGrad").Params(jen.Id("ws").Qual(pathRuntime, "Workspace"), jen.Id("on").Bool()).Block(
		g.deferBody())
	g.f.Comment("FlushGrad adds the deferred gradient terms to dtheta and resets them. It does")
	g.f.Comment("not allocate.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("FlushGrad").Params(jen.Id("ws").Qual(pathRuntime, "Workspace"), jen.Id("dtheta").Index().Float64()).Block(
		g.flushBody(flush)...)
	g.f.Var().Id("_").Qual(pathRuntime, "GradDeferrer").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
	g.f.Comment("NewWorkspace allocates the buffers for batches of up to maxBatch samples,")
	g.f.Comment("split into chunks of Chunk (ValueChunk for Phi and Grad) samples. It is the")
	g.f.Comment("only allocating call besides New.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("NewWorkspace").Params(jen.Id("maxBatch").Int()).Qual(pathRuntime, "Workspace").Block(
		raw("return m.NewWorkspaceChunks(maxBatch, Chunk, ValueChunk)"))
	g.f.Comment("NewWorkspaceChunks is NewWorkspace with chunks of at most chunk samples")
	g.f.Comment("(valueChunk for Phi and Grad); see runtime.Chunker.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("NewWorkspaceChunks").Params(jen.Id("maxBatch, chunk, valueChunk").Int()).Qual(pathRuntime, "Workspace").Block(body...)
	g.f.Var().Id("_").Qual(pathRuntime, "Chunker").Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
}

func windowLit(w kern.Window) jen.Code {
	return jen.Qual(pathKern, "Window").Values(jen.Dict{jen.Id("R1"): jen.Lit(w.R1), jen.Id("R2"): jen.Lit(w.R2), jen.Id("H1"): jen.Lit(w.H1), jen.Id("H2"): jen.Lit(w.H2)})
}

func (g *gen) helpers() {
	T := g.T
	g.f.Comment("rows returns nr rows of length n starting at row r0 of buf.")
	g.f.Func().Id("rows").Params(jen.Id("buf").Index().Id(T), jen.Id("r0, nr, n").Int()).Index().Id(T).Block(jen.Return(jen.Id("buf[r0*n : (r0+nr)*n]")))
	pkg := pathBlas64
	if g.is32 {
		pkg = pathBlas32
	}
	g.f.Comment("mat views data as an r×c row-major matrix.")
	g.f.Func().Id("mat").Params(jen.Id("r, c").Int(), jen.Id("data").Index().Id(T)).Qual(pkg, "General").Block(
		jen.Return(jen.Qual(pkg, "General").Values(jen.Dict{jen.Id("Rows"): jen.Id("r"), jen.Id("Cols"): jen.Id("c"), jen.Id("Stride"): jen.Id("c"), jen.Id("Data"): jen.Id("data[:r*c]")})))
	// load / store with the symmetry transform
	var loadBody, storeBody []jen.Code
	params := []jen.Code{jen.Id("nb").Int(), jen.Id("scale").Float64()}
	if g.group > 1 {
		params = []jen.Code{jen.Id("nb, gi").Int(), jen.Id("scale").Float64()}
		loadBody = append(loadBody,
			raw("t := group[gi]"),
			jen.For(raw("b := 0; b < nb; b++")).Block(
				raw("s, d := src[b*Dim:(b+1)*Dim], dst[b*Dim:(b+1)*Dim]"),
				jen.For(raw("i, k := range t.Perm")).Block(raw("d[i] = %s", g.cvt("scale*t.Sign*s[k]"))),
			))
		storeBody = append(storeBody,
			raw("t := group[gi]"),
			jen.For(raw("b := 0; b < nb; b++")).Block(
				raw("s, d := src[b*Dim:(b+1)*Dim], dst[b*Dim:(b+1)*Dim]"),
				jen.For(raw("i, k := range t.Perm")).Block(raw("d[k] += scale * t.Sign * %s", g.toAPI("s[i]"))),
			))
	} else {
		loadBody = append(loadBody,
			jen.For(raw("i, v := range src[:nb*Dim]")).Block(raw("dst[i] = %s", g.cvt("scale*v"))))
		storeBody = append(storeBody,
			jen.For(raw("i, v := range src[:nb*Dim]")).Block(raw("dst[i] += scale * %s", g.toAPI("v"))))
	}
	g.f.Comment("load writes g·x, scaled, for nb samples into dst (kernel precision).")
	g.f.Func().Id("load").Params(append([]jen.Code{jen.Id("dst").Index().Id(T), jen.Id("src").Index().Float64()}, params...)...).Block(loadBody...)
	g.f.Comment("store adds scale·gᵀy for nb samples of y to dst.")
	g.f.Func().Id("store").Params(append([]jen.Code{jen.Id("dst").Index().Float64(), jen.Id("src").Index().Id(T)}, params...)...).Block(storeBody...)
}

// flushBody is FlushGrad's body: the length check, then the deferred terms
// (reading the workspace only when there are any).
func (g *gen) flushBody(flush []jen.Code) []jen.Code {
	if g.timed() {
		return g.timeFlushBody(flush)
	}
	check := jen.If(jen.Id("len(dtheta) != NumParams")).Block(jen.Panic(jen.Lit(g.pkg + ": len(dtheta) != NumParams")))
	if len(flush) == 0 {
		return []jen.Code{check}
	}
	return append([]jen.Code{raw("w := ws.(*Workspace)"), check}, flush...)
}
