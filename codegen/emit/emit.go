// Package emit prints the Go package of a potential from its IR and its
// plan (package plan), with jennifer; it decides nothing itself. One function per construct writes the code of one IR node in
// one mode; every block is commented with its .maf position, its formula and
// the Jacobian strategy the planner chose.
package emit

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Import paths used by generated code.
const (
	pathRuntime = modulePath + "/runtime"
	pathIR      = modulePath + "/ir"
	pathKern    = modulePath + "/runtime/kern"
	pathGemm    = modulePath + "/runtime/gemm"
	pathBlas    = "gonum.org/v1/gonum/blas"
	pathBlas64  = "gonum.org/v1/gonum/blas/blas64"
	pathBlas32  = "gonum.org/v1/gonum/blas/blas32"
	pathMath    = "math"
)

// GenVersion is the generated-code contract version this emitter writes; it
// must lie within the runtime's [MinGenVersion, MaxGenVersion].
const GenVersion = 1

// Options control emission.
type Options struct {
	// Package is the Go package name (default: the model name).
	Package string
	// Invocation is recorded in the header, e.g. "mafc gen mnist.maf".
	Invocation string
	// Probes is the number of Hutchinson probes per sample (default: the
	// spec's, or 1).
	Probes int
	// MemoryBudget bounds the Jacobian rows of one chunk in bytes (default
	// 256 MiB); the chunk size is derived from it.
	MemoryBudget int
	// Dense forces plain forward-Laplacian propagation with D Jacobian rows
	// per sample for every node (a baseline for benchmarks).
	Dense bool
	// NoShift keeps receptive-field Jacobians of a convolution of a
	// convolution on the im2col path instead of the shifted-kernel GEMMs
	// (a baseline for benchmarks and tests).
	NoShift bool
	// NoFactor keeps the shifted-kernel GEMMs instead of the orbit-factored
	// Jacobian (a baseline for benchmarks and tests).
	NoFactor bool
}

// File generates the model package source. It returns gofmt-formatted Go.
func File(p *ir.Program, opt Options) ([]byte, error) {
	g, err := newGen(p, opt)
	if err != nil {
		return nil, err
	}
	g.file()
	var buf bytes.Buffer
	if err := g.f.Render(&buf); err != nil {
		return nil, &FormatError{Src: buf.Bytes(), Err: err}
	}
	grouped, err := groupImports(buf.Bytes())
	if err != nil {
		return nil, &FormatError{Src: buf.Bytes(), Err: err}
	}
	out, err := format.Source(grouped)
	if err != nil {
		return nil, &FormatError{Src: grouped, Err: err}
	}
	return out, nil
}

// FormatError reports generated code that does not format: a mafc bug.
type FormatError struct {
	Src []byte
	Err error
}

func (e *FormatError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "emit: internal error: generated code does not format: %v\n", e.Err)
	for i, line := range strings.Split(string(e.Src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, line)
	}
	return b.String()
}

type gen struct {
	p        *ir.Program // the program the kernels evaluate (KernelProgram of a time-dependent one)
	full     *ir.Program // the spec's program (p itself without time)
	opt      Options
	f        *jen.File
	T        string // element type: float64 or float32
	is32     bool
	pkg      string
	names    []string    // Go name per node
	pm       *plan.Model // the plan the printers print
	plans    map[plan.Mode]*plan.Plan
	D        int
	P        int // probes
	saveNode int // the dense layer of the input whose outputs LaplacianSave keeps (0: none)
	liteAct  int // the activation whose values only φ needs (0: none); see plan.Model.LiteAct
	chunk    int // samples per chunk in the Laplacian, Hutchinson and reverse modes
	vchunk   int // samples per chunk in the value-only modes (Phi, Grad)
	group    int // orbit-average group order (1: none)

	// per-node allocation facts (union over modes), from the plan's workspace
	rowsW       []int  // J rows per sample in the forward stack
	jbRowsW     []int  // JB rows per sample in the cotangent stack
	needQ       []bool // per-sample q buffer
	needE       []bool // coefficient buffer
	rfR         []int  // RF window size (forward buffer)
	rfBR        []int  // RF cotangent window size
	gram        []bool
	geom        []bool // needs a ConvGeom
	rfGeom      []bool
	shift       []bool // a ShiftRF convolution: shifted-kernel matrices on the model
	shiftRev    []bool // ... whose reverse sweep runs (coefficient-block cotangent buffers)
	factor      []bool // a Factored convolution: orbit products on the model
	dB          []bool // a ConvScaled node whose Jacobian cotangent is held as σ′'s cotangent
	sharedQ     []bool // model holds row norms
	gramBase    []bool // model holds W·Wᵀ
	colsRows    int    // im2col scratch per sample of a chunk …
	colsValRows int    // … and of a value chunk
	panelMax    int
	maxSize     int
	rev         bool         // the function being emitted is in a reverse mode
	used        map[int]bool // params used by the function being emitted
	usedGrad    map[int]bool // parameter gradients used
	gateOff     map[int]int  // gated dense layers whose kernels apply s: offset in the gate vector (timescale.go)
	numGates    int          // length of the gate vector
	// gathered names the orbit gather (directGatherKey) that w.cols holds
	// while a convolution's reverse is emitted, so that its kernel gradient
	// reuses the Z̄ its input cotangent just used; "" when none.
	gathered string
}

func newGen(p *ir.Program, opt Options) (*gen, error) {
	if err := p.Verify(); err != nil {
		return nil, err
	}
	g := &gen{p: p, full: p, opt: opt, T: "float64", D: p.Dim()}
	if p.TimeDependent() {
		// The kernels evaluate the time-free network with θ′(t); see time.go.
		p = p.KernelProgram()
		g.p = p
	}
	if p.Precision == "float32" {
		g.T, g.is32 = "float32", true
	}
	g.pkg = opt.Package
	if g.pkg == "" {
		g.pkg = p.Name
	}
	if err := ir.CheckPackageName(g.pkg); err != nil {
		return nil, fmt.Errorf("emit: %w", err)
	}
	// The plan decides everything the printers write: strategies,
	// lowerings, saved node, lite activation, chunks and the workspace
	// (of the kernel program, for a time-dependent spec), and the time state.
	g.pm = plan.New(g.full, plan.Config{Probes: opt.Probes, MemoryBudget: opt.MemoryBudget, Dense: opt.Dense, NoShift: opt.NoShift, NoFactor: opt.NoFactor})
	g.P, g.group = g.pm.Probes, g.pm.Group
	// Verify has rejected clashing names: every identifier derived from
	// these stems (ir.GoIdents) is distinct.
	g.names, _ = ir.GoNames(p.Nodes)
	g.plans = map[plan.Mode]*plan.Plan{}
	for _, m := range plan.Modes {
		g.plans[m] = g.pm.Plan(m)
	}
	ws := g.pm.Workspace
	g.rowsW, g.jbRowsW, g.needQ, g.needE = ws.RowsW, ws.JBRowsW, ws.NeedQ, ws.NeedE
	g.rfR, g.rfBR, g.gram, g.geom, g.rfGeom = ws.RFR, ws.RFBR, ws.Gram, ws.Geom, ws.RFGeom
	g.shift, g.shiftRev, g.dB, g.sharedQ, g.gramBase = ws.Shift, ws.ShiftRev, ws.DB, ws.SharedQ, ws.GramBase
	g.factor = ws.Factor
	g.panelMax, g.maxSize = ws.PanelMax, ws.MaxSize
	g.colsRows, g.colsValRows = ws.ColsChunk, ws.ColsValue
	g.chunk, g.vchunk = g.pm.Chunk, g.pm.ValueChunk
	g.saveNode, g.liteAct = g.pm.SaveNode, g.pm.LiteAct
	g.initGates()
	return g, nil
}

// ---- small helpers ----

func raw(format string, args ...any) *jen.Statement { return jen.Id(fmt.Sprintf(format, args...)) }

func raws(args []string) []jen.Code {
	out := make([]jen.Code, len(args))
	for i, a := range args {
		out[i] = jen.Id(a)
	}
	return out
}

// kern returns a call of a runtime/kern function.
func kcall(fn string, args ...string) *jen.Statement {
	return jen.Qual(pathKern, fn).Call(raws(args)...)
}

// cvt converts a float64 expression to the element type.
func (g *gen) cvt(e string) string {
	if g.is32 {
		return "float32(" + e + ")"
	}
	return e
}

// copyCvt copies src to dst: to the API's float64 (toAPI) or from it to the
// kernels' precision, converting only where the two differ.
func (g *gen) copyCvt(dst, src string, toAPI bool) jen.Code {
	if !g.is32 {
		return raw("copy(%s, %s)", dst, src)
	}
	T := "float32"
	if toAPI {
		T = "float64"
	}
	return jen.Block(raw("d := %s", dst), jen.For(raw("i, v := range %s", src)).Block(raw("d[i] = %s(v)", T)))
}

// lit formats a float constant exactly.
func lit(x float64) string {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

func (g *gen) pos(n *ir.Node) string {
	return fmt.Sprintf("%s:%d:%d", g.srcName(), n.Pos.Line, n.Pos.Col)
}

func (g *gen) srcName() string {
	s := g.p.File
	if i := strings.LastIndexAny(s, "/\\"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// circ reports whether the convolution n is computed as a dense product
// with its circulant matrix (see plan.Lowering).
func (g *gen) circ(n *ir.Node) bool { return g.pm.Circulant(n) }

// jbCoef reports whether node i keeps its Jacobian cotangent as
// coefficients (closed-form first layer) in a reverse mode.
func (g *gen) jbCoef(i int) bool { return g.pm.Workspace.JBCoef[i] }

// tied reports whether parameter k is the weight of a tied convolution.
func (g *gen) tied(k int) bool {
	n := g.p.Nodes[g.p.Params[k].Node]
	return n.Op == ir.OpConv && n.Tie != "" && g.p.Params[k].Role == "weight"
}

// param returns the local name of parameter tensor k and records its use.
func (g *gen) param(k int) string {
	g.used[k] = true
	return g.names[g.p.Params[k].Node] + exported(g.p.Params[k].Role[:1])
}

// paramDecls declares the parameter views used by a function.
func (g *gen) paramDecls() []jen.Code {
	var out []jen.Code
	for k, pr := range g.p.Params {
		if !g.used[k] {
			continue
		}
		if g.tied(k) {
			out = append(out, raw("%s := m.%sFull", g.param(k), g.names[pr.Node]).
				Comment(LineComment(fmt.Sprintf("%s expanded from its %d tied numbers (%s-symmetric kernels), %s", pr.Name, pr.Size, g.p.Nodes[pr.Node].Tie, g.pos(g.p.Nodes[pr.Node])))))
			continue
		}
		out = append(out, raw("%s := %s", g.param(k), g.thetaSlice("m.p", k)).
			Comment(LineComment(fmt.Sprintf("%s %v, %s", pr.Name, pr.Shape, g.pos(g.p.Nodes[pr.Node])))))
	}
	return out
}

// gemm emits C = alpha·op(A)·op(B) + beta·C through gonum's blas64 (or
// blas32) with row-major general matrices. Each matrix is (rows, cols,
// data expr); op(A) is m×k.
func (g *gen) gemm(tA, tB bool, alpha, beta string, a, b, c [3]string) *jen.Statement {
	pkg := pathBlas64
	if g.is32 {
		pkg = pathBlas32
	}
	tr := func(t bool) jen.Code {
		if t {
			return jen.Qual(pathBlas, "Trans")
		}
		return jen.Qual(pathBlas, "NoTrans")
	}
	mat := func(x [3]string) jen.Code { return raw("mat(%s, %s, %s)", x[0], x[1], x[2]) }
	return jen.Qual(pkg, "Gemm").Call(tr(tA), tr(tB), jen.Id(alpha), mat(a), mat(b), jen.Id(beta), mat(c))
}

// wgemm emits a product with node n's weight W, pre-packed by Sync:
// forward C = β·C + A·Wᵀ (A is m×in, C is m×out), or backward
// C = β·C + A·W (A is m×out, C is m×in). W (out×in) never changes between
// parameter updates, so packing it once per update removes the cost of
// packing it on every call (which dominates for small m).
func (g *gen) wgemm(n *ir.Node, backward bool, m, a, beta, c string) *jen.Statement {
	fn, name := "DgemmPacked", g.names[n.ID]+"Fwd"
	if g.is32 {
		fn = "SgemmPacked"
	}
	in, out := g.wdims(n)
	if out == 1 {
		// One output: a matrix-vector product (or an outer product going
		// back), cheaper as plain loops than through a packed GEMM.
		fn := "MatVec"
		if backward {
			fn = "AddOuter"
		}
		return jen.Qual(pathKern, fn).Call(jen.Id(c), jen.Id(a), jen.Id(g.param(n.W)), jen.Id(m), jen.Lit(in), jen.Id(beta))
	}
	lda, ldc := in, out
	if backward {
		name = g.names[n.ID] + "Bwd"
		lda, ldc = out, in
	}
	return jen.Qual(pathGemm, fn).Call(jen.False(), jen.Id(m), jen.Lit(1), jen.Id(a), jen.Lit(lda), jen.Op("&").Id("m."+name), jen.Id(beta), jen.Id(c), jen.Lit(ldc))
}

// wdims returns the inner dimension (in) and the outputs (out) of node n's
// weight viewed as an out×in matrix.
func (g *gen) wdims(n *ir.Node) (in, out int) {
	s := g.p.Nodes[n.Inputs[0]].Shape
	if g.circ(n) {
		return s.Size(), n.Shape.Size()
	}
	if n.Op == ir.OpConv {
		return s.C * n.K1 * n.K2, n.Out
	}
	return s.Size(), n.Out
}

// rows returns the expression of nr rows starting at row r0 of buffer buf
// with rows of length n.
func rows(buf, r0, nr string, n int) string {
	return fmt.Sprintf("rows(%s, %s, %s, %d)", buf, r0, nr, n)
}

// off is a symbolic row offset or count: K·nb + KW·nb·W.
type off struct{ K, KW int }

func (o off) add(p off) off { return off{o.K + p.K, o.KW + p.KW} }

// n returns the rows per sample, K + KW·W, for a width of W Jacobian rows.
func (o off) n(W int) int { return o.K + o.KW*W }

// expr returns the expression of the offset or count, folded: (K + KW·W)·nb.
func (o off) expr(W int) string { return nbRows(o.n(W)) }

// Segment names.
const (
	segV = iota
	segL
	segJ
	segT
)

// layout returns the offset and count of a segment of a node's stack in the
// mode being emitted.
//
// In the reverse modes the tangent rows come right after the values (v, t,
// ℓ, J), so that the stacks of a layer's input with a zero Laplacian (such
// as x itself) have [v; t] contiguous and its weight gradient is one GEMM;
// in the other modes the stack is v, ℓ, J.
func (g *gen) layout(seg int) (off, off) {
	if !g.rev {
		switch seg {
		case segV:
			return off{0, 0}, off{1, 0}
		case segL:
			return off{1, 0}, off{1, 0}
		case segJ:
			return off{2, 0}, off{0, 1}
		}
		panic("emit: tangent rows outside a reverse mode")
	}
	switch seg {
	case segV:
		return off{0, 0}, off{1, 0}
	case segT:
		return off{1, 0}, off{1, 0}
	case segL:
		return off{2, 0}, off{1, 0}
	}
	return off{3, 0}, off{0, 1}
}

// lStart and jStart are the first Laplacian and Jacobian rows of a stack in
// the current mode.
func (g *gen) lStart() string { return nbRows(g.lRow()) }

func (g *gen) jStart() string { return nbRows(g.jRow()) }

// lRow and jRow are lStart and jStart in rows per sample.
func (g *gen) lRow() int {
	if g.rev {
		return 2
	}
	return 1
}

func (g *gen) jRow() int {
	if g.rev {
		return 3
	}
	return 2
}

// order sorts segments into the stack order of the current mode.
func (g *gen) order(segs []int) []int {
	pos := func(s int) int { o, _ := g.layout(s); return o.K*1000 + o.KW }
	out := append([]int(nil), segs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && pos(out[j]) < pos(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// run is a contiguous block of rows present in two stacks, at the same
// offset in each (layout does not depend on the stack).
type run struct {
	off, cnt off
}

// runs merges segments into contiguous runs between a source and a
// destination stack (both laid out by layout, so a segment sits at the same
// offset in each).
func (g *gen) runs(segs []int) []run {
	var out []run
	for _, s := range g.order(segs) {
		so, c := g.layout(s)
		if len(out) > 0 {
			last := &out[len(out)-1]
			if last.off.add(last.cnt) == so {
				last.cnt = last.cnt.add(c)
				continue
			}
		}
		out = append(out, run{so, c})
	}
	return out
}

func (g *gen) fmtFloat(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		panic("emit: non-finite constant")
	}
	return lit(x)
}
