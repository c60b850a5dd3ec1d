package dsl

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// Limits bounds the models the checker accepts, so that an absurd spec is
// rejected with a positioned error before anything is allocated. It is
// [limits.Limits], the one statement of mafc's limits.
type Limits = limits.Limits

// DefaultLimits are the limits Check uses, [limits.Default]: D ≤ 2²⁰,
// widths ≤ 65,536, at most 2²⁸ parameters (2 GiB in float64), batches of at
// most 2²⁰, at most 16,384 nodes, 16 GiB of estimated memory for a training
// run and 16 MiB of generated code.
var DefaultLimits = limits.Default

// Compile parses and checks a .maf file and returns its IR.
func Compile(filename string, src []byte) (*ir.Program, error) {
	f, err := Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Check(f)
}

// Check resolves names and shapes, checks smoothness, sizes, symmetries and
// settings, and lowers f to IR. All errors of the file are returned, sorted,
// as an ErrorList.
func Check(f *File) (*ir.Program, error) { return CheckWithLimits(f, DefaultLimits) }

// CheckWithLimits is Check with explicit limits.
func CheckWithLimits(f *File, lim Limits) (*ir.Program, error) {
	c := &checker{f: f, lim: lim, names: map[string]*binding{}, lower: map[string]*binding{}, setPos: map[string]lexer.Position{}}
	c.p = &ir.Program{File: f.Name, Output: -1, Precision: "float64"}
	c.run()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	if err := c.p.Verify(); err != nil {
		// An IR that fails Verify after a clean check is a checker bug.
		panic(fmt.Sprintf("dsl: %s: %v", f.Name, err))
	}
	return c.p, nil
}

type binding struct {
	node int
	pos  lexer.Position
	used bool
	name string
}

type checker struct {
	f    *File
	lim  Limits
	errs ErrorList
	p    *ir.Program

	names map[string]*binding
	lower map[string]*binding // lower-cased names, for Go identifier clashes
	order []*binding

	initScheme ir.Init
	layerInits map[int]ir.Init // node → per-layer override

	potPos        lexer.Position            // the potential block
	flowDecl      bool                      // the spec has a flow block
	time          *TimeDecl                 // the time input, if declared
	timeUsed      bool                      // a layer reads the time
	setPos        map[string]lexer.Position // positions of settings that size a run ("train.batch", "flow.steps", …)
	nodesReported bool
}

func (c *checker) doc(pos lexer.Position) string { return c.f.Docs[pos.Line] }

func irPos(p lexer.Position) ir.Pos { return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column} }

// posString formats p as file:line:col (as ir.Pos does), or as the file
// name alone when p has no line.
func posString(p lexer.Position) string { return irPos(p).String() }

var blockKinds = []string{"potential", "symmetry", "init", "flow", "train"}

func (c *checker) run() {
	seen := map[string]lexer.Position{}
	var model *ModelDecl
	var input *InputDecl
	var tdecl *TimeDecl
	blocks := map[string]*Block{}
	for _, d := range c.f.Decls {
		var key string
		var pos lexer.Position
		switch {
		case d.Model != nil:
			key, pos = "model", d.Model.Pos
			if model == nil {
				model = d.Model
			}
		case d.Input != nil:
			key, pos = "input", d.Input.Pos
			if input == nil {
				input = d.Input
			}
		case d.Time != nil:
			key, pos = "time", d.Time.Pos
			if tdecl == nil {
				tdecl = d.Time
			}
		case d.Block != nil:
			key, pos = d.Block.Kind, d.Block.Pos
			known := false
			for _, k := range blockKinds {
				known = known || k == key
			}
			if !known {
				c.errs.Add(pos, "unknown section %q (want one of: %s)", key, strings.Join(blockKinds, ", "))
				continue
			}
			if _, ok := blocks[key]; !ok {
				blocks[key] = d.Block
			}
		}
		if first, dup := seen[key]; dup {
			c.errs.Add(pos, "duplicate %s declaration, first declared at %s", key, posString(first))
			continue
		}
		seen[key] = pos
	}
	start := lexer.Position{Filename: c.f.Name, Line: 1, Column: 1}
	if model == nil {
		c.errs.Add(start, "missing model declaration: add `model NAME` at the top of the file")
	} else {
		c.p.Name = model.Name
		c.p.Doc = c.doc(model.Pos)
		if !c.nameFits(model.Pos, "model", model.Name) {
			// The model name names the Go package, its files and the
			// cache's directories.
		} else if err := ir.CheckPackageName(model.Name); err != nil {
			c.errs.Add(model.Pos, "model name %q must be a lower-case Go package name (letters, digits, no underscores), not a Go keyword or predeclared name, main, or a package the generated code imports", model.Name)
		}
	}
	// Settings first: init and train settings (precision, batch) are needed
	// while building the graph.
	c.initBlock(blocks["init"])
	c.trainBlock(blocks["train"])
	c.flowBlock(blocks["flow"])
	if input == nil {
		c.errs.Add(start, "missing input declaration: add e.g. `input x: vector(784)` or `input s: lattice(16)`")
		return
	}
	if !c.inputDecl(input) {
		return
	}
	c.flowDecl = blocks["flow"] != nil
	if tdecl != nil && !c.timeDecl(tdecl) {
		return
	}
	pot := blocks["potential"]
	if pot == nil {
		c.errs.Add(start, "missing potential block: add `potential { … }` defining φ, ending with a scalar such as dense(h, 1)")
		return
	}
	c.potPos = pot.Pos
	c.potentialBlock(pot)
	if c.p.Output < 0 {
		return
	}
	c.symmetryBlock(blocks["symmetry"])
	c.checkTrainAgainstInput()
	c.checkMemory()
	c.checkGenerated()
}

// inputType returns the input's declared type, as written in a spec.
func (c *checker) inputType() string {
	in := c.p.InputShape()
	switch {
	case c.p.InputKind == "chain":
		return fmt.Sprintf("chain(%d)", in.L1)
	case in.IsGrid() && in.L1 == in.L2:
		return fmt.Sprintf("lattice(%d)", in.L1)
	case in.IsGrid():
		return fmt.Sprintf("lattice(%d, %d)", in.L1, in.L2)
	}
	return fmt.Sprintf("vector(%d)", in.N)
}

// ---- input ----

func (c *checker) inputDecl(d *InputDecl) bool {
	if !c.nameFits(d.Pos, "input", d.Name) {
		return false
	}
	t := d.Type
	tv := &value{pos: t.Pos, kind: vCall, text: t.Name}
	for _, a := range t.Args {
		av := &argValue{pos: a.Pos, val: c.constValue(a.Value)}
		if a.Name != nil {
			av.name = *a.Name
		}
		tv.args = append(tv.args, av)
	}
	c.p.InputName = d.Name
	var shape ir.Shape
	switch t.Name {
	case "vector":
		a := c.bindArgs(tv, "n")
		if a["n"] == nil {
			c.errs.Add(t.Pos, "vector needs its dimension: vector(D)")
			return false
		}
		n, ok := c.intIn(a["n"], "input dimension", 1, c.lim.MaxDim)
		if !ok {
			return false
		}
		shape, c.p.InputKind = ir.Vec(n), "vector"
	case "lattice":
		a := c.bindArgs(tv, "L1", "L2")
		if a["L1"] == nil {
			c.errs.Add(t.Pos, "lattice needs its size: lattice(L) for L×L or lattice(L1, L2)")
			return false
		}
		l1, ok1 := c.intR(a["L1"], limits.LatticeSide)
		l2 := l1
		ok2 := true
		if a["L2"] != nil {
			l2, ok2 = c.intR(a["L2"], limits.LatticeSide)
		}
		if !ok1 || !ok2 {
			return false
		}
		if l1*l2 > c.lim.MaxDim {
			c.errs.Add(t.Pos, "lattice %d×%d has %d sites, more than the limit of %d", l1, l2, l1*l2, c.lim.MaxDim)
			return false
		}
		shape, c.p.InputKind = ir.Grid(l1, l2, 1), "lattice"
	case "chain":
		a := c.bindArgs(tv, "L")
		if a["L"] == nil {
			c.errs.Add(t.Pos, "chain needs its length: chain(L)")
			return false
		}
		l, ok := c.intIn(a["L"], "chain length", 2, c.lim.MaxDim)
		if !ok {
			return false
		}
		shape, c.p.InputKind = ir.Grid(l, 1, 1), "chain"
	default:
		c.errs.Add(t.Pos, "unknown input type %q (want vector(D), lattice(L), lattice(L1, L2) or chain(L))", t.Name)
		return false
	}
	n := &ir.Node{ID: 0, Name: d.Name, Op: ir.OpInput, Shape: shape, W: -1, B: -1, Pos: irPos(d.Pos), Doc: c.doc(d.Pos)}
	c.p.Nodes = append(c.p.Nodes, n)
	b := &binding{node: 0, pos: d.Pos, used: false, name: d.Name}
	c.names[d.Name] = b
	c.lower[strings.ToLower(d.Name)] = b
	return true
}

// ---- potential ----

func (c *checker) potentialBlock(b *Block) {
	nerr := len(c.errs)
	if len(b.Stmts) == 0 {
		c.errs.Add(b.Pos, "empty potential block: define φ, e.g. `h = softplus(dense(x, 64))` then `phi = dense(h, 1)`")
		return
	}
	var last *binding
	var lastStmt *Stmt
	for _, s := range b.Stmts {
		if c.nodesFull(s.Pos) {
			return
		}
		if s.Value == nil {
			c.errs.Add(s.Pos, "statement %q has no value: write `%s = expression`", s.Name, s.Name)
			continue
		}
		if prev, dup := c.names[s.Name]; dup {
			what := "value"
			if prev.node == 0 {
				what = "input"
			}
			c.errs.Add(s.Pos, "duplicate name %q, first defined (as %s) at %s", s.Name, what, posString(prev.pos))
			c.markUsed(s.Value)
			continue
		}
		// failed binds the name of a statement in error, so that later uses
		// do not cascade into "unknown name" errors, and marks the names it
		// reads as used, so that they are not reported as unused.
		failed := func() {
			bd := &binding{node: -1, pos: s.Pos, used: true, name: s.Name}
			c.names[s.Name] = bd
			if _, ok := c.lower[strings.ToLower(s.Name)]; !ok {
				c.lower[strings.ToLower(s.Name)] = bd
			}
			c.markUsed(s.Value)
		}
		if !c.nameFits(s.Pos, "value", s.Name) {
			failed()
			continue
		}
		if prev, clash := c.lower[strings.ToLower(s.Name)]; clash {
			c.errs.Add(s.Pos, "name %q clashes with %q (defined at %s) in generated Go code: names must differ in more than case", s.Name, prev.name, posString(prev.pos))
			failed()
			continue
		}
		if _, isOp := opNames[s.Name]; isOp {
			c.errs.Add(s.Pos, "name %q is an operation; choose another name", s.Name)
			failed()
			continue
		}
		before := len(c.p.Nodes)
		id := c.expr(s.Value, s.Name)
		if id < 0 {
			failed()
			continue
		}
		if id < before {
			// A plain alias (h2 = h1): give it its own node so the name exists.
			id = c.add(&ir.Node{Name: s.Name, Op: ir.OpScale, Scale: 1, Inputs: []int{id}, Shape: c.p.Nodes[id].Shape}, s.Pos)
		}
		n := c.p.Nodes[id]
		n.Name = s.Name
		n.Doc = c.doc(s.Pos)
		bd := &binding{node: id, pos: s.Pos, name: s.Name}
		c.names[s.Name] = bd
		c.lower[strings.ToLower(s.Name)] = bd
		c.order = append(c.order, bd)
		last, lastStmt = bd, s
	}
	if last == nil || lastStmt != b.Stmts[len(b.Stmts)-1] {
		// The last statement, which defines φ, is in error.
		return
	}
	last.used = true
	out := c.p.Nodes[last.node]
	if out.Shape != ir.Vec(1) {
		c.errs.Add(lastStmt.Pos, "potential output %q has shape %v, but φ must be a scalar: end with a reduction such as dense(%s, 1), sum(%s) or mean(%s)",
			lastStmt.Name, out.Shape, lastStmt.Name, lastStmt.Name, lastStmt.Name)
		return
	}
	if c.names[c.p.InputName] != nil && !c.names[c.p.InputName].used {
		if c.timeUsed {
			c.errs.Add(lastStmt.Pos, "φ depends only on the time %q, not on the input %q: a time-only potential moves nothing (∇ and Δ are in %s)", c.time.Name, c.p.InputName, c.p.InputName)
		} else {
			c.errs.Add(lastStmt.Pos, "φ does not depend on the input %q", c.p.InputName)
		}
	}
	c.checkTimeUsed(out, lastStmt.Pos)
	for _, bd := range c.order[:len(c.order)-1] {
		if !bd.used {
			c.errs.Add(bd.pos, "value %q is never used: remove it or use it in φ", bd.name)
		}
	}
	if len(c.errs) > nerr {
		return
	}
	c.p.Output = last.node
	c.assignParams()
	c.checkGoNames()
}

// nameFits reports whether a name is within limits.MaxNameBytes, and
// reports it at pos when it is not.
func (c *checker) nameFits(pos lexer.Position, what, name string) bool {
	if len(name) <= limits.MaxNameBytes {
		return true
	}
	c.errs.Add(pos, "%s name %.16q… is %d bytes long, more than the limit of %d: choose a shorter name", what, name, len(name), limits.MaxNameBytes)
	return false
}

// nodesFull reports whether the graph has more nodes than the limit, and
// says so (once, at pos) when it has.
func (c *checker) nodesFull(pos lexer.Position) bool {
	if len(c.p.Nodes) <= c.lim.MaxNodes {
		return false
	}
	if !c.nodesReported {
		c.nodesReported = true
		c.errs.Add(pos, "the potential has more than %d operations by here, the limit: use fewer layers or terms", c.lim.MaxNodes)
	}
	return true
}

// add appends a node and returns its index.
func (c *checker) add(n *ir.Node, pos lexer.Position) int {
	n.ID = len(c.p.Nodes)
	n.Pos = irPos(pos)
	n.W, n.B = -1, -1 // dense and conv parameters are laid out by assignParams
	c.p.Nodes = append(c.p.Nodes, n)
	return n.ID
}

// expr lowers a potential expression to nodes and returns the index of its
// value, or −1 after reporting an error.
func (c *checker) expr(e *Expr, stmt string) int {
	id := c.term(e.Left, stmt)
	for _, r := range e.Rest {
		if c.nodesFull(r.Pos) {
			return -1
		}
		rhs := c.term(r.Term, stmt)
		if id < 0 || rhs < 0 {
			id = -1
			continue
		}
		a, b := c.p.Nodes[id].Shape, c.p.Nodes[rhs].Shape
		if a != b {
			c.errs.Add(r.Pos, "cannot %s values of shapes %v and %v: residual connections need equal shapes", map[string]string{"+": "add", "-": "subtract"}[r.Op], a, b)
			id = -1
			continue
		}
		if r.Op == "-" {
			rhs = c.add(&ir.Node{Name: stmt + ".neg", Op: ir.OpScale, Scale: -1, Inputs: []int{rhs}, Shape: b}, r.Pos)
		}
		id = c.add(&ir.Node{Name: stmt + ".add", Op: ir.OpAdd, Inputs: []int{id, rhs}, Shape: a}, r.Pos)
	}
	return id
}

// term lowers a product: exactly one factor is a value, the others are
// numeric constants (and divisors must be constants).
func (c *checker) term(t *Term, stmt string) int {
	factor := 1.0
	id := -1
	nvals := 0
	bad := false
	handle := func(u *Unary, op string, pos lexer.Position) {
		nerr := len(c.errs)
		if k, ok := c.constFactor(u); ok {
			if len(c.errs) > nerr {
				bad = true // an invalid number, already reported
				return
			}
			if op == "/" {
				if k == 0 {
					c.errs.Add(pos, "division by zero")
					bad = true
					return
				}
				k = 1 / k
			}
			factor *= k
			return
		}
		if op == "/" {
			c.errs.Add(pos, "cannot divide by a value: only by a constant")
			bad = true
			return
		}
		nvals++
		if nvals > 1 {
			c.errs.Add(pos, "cannot multiply two values: only a constant factor such as 0.5 * sum(h) is allowed")
			bad = true
			return
		}
		id = c.unary(u, stmt)
		if id < 0 {
			bad = true
		}
	}
	handle(t.Left, "*", t.Pos)
	for _, r := range t.Rest {
		handle(r.Right, r.Op, r.Pos)
	}
	if bad {
		return -1
	}
	if nvals == 0 {
		c.errs.Add(t.Pos, "a constant is not a value of the potential (its gradient is zero): use it only as a factor, e.g. 0.5 * sum(h)")
		return -1
	}
	if math.IsInf(factor, 0) || math.IsNaN(factor) {
		c.errs.Add(t.Pos, "constant factor overflows float64")
		return -1
	}
	if factor == 0 {
		c.errs.Add(t.Pos, "constant factor is zero: the term is identically zero and does not depend on the input; remove it")
		return -1
	}
	if factor != 1 {
		id = c.add(&ir.Node{Name: stmt + ".scale", Op: ir.OpScale, Scale: factor, Inputs: []int{id}, Shape: c.p.Nodes[id].Shape}, t.Pos)
	}
	return id
}

// constFactor reports whether u is a numeric literal (possibly negated or
// parenthesised) and returns it.
func (c *checker) constFactor(u *Unary) (float64, bool) {
	p := u.Primary
	for p.Tuple != nil && len(p.Tuple) == 1 && len(p.Tuple[0].Rest) == 0 && len(p.Tuple[0].Left.Rest) == 0 && !p.Tuple[0].Left.Left.Neg {
		p = p.Tuple[0].Left.Left.Primary
	}
	if p.Number == nil {
		if p.Ident != nil {
			switch strings.ToLower(*p.Ident) {
			case "nan", "inf", "infinity":
				c.errs.Add(p.Pos, "%q is not a valid number: numbers in a spec must be finite", *p.Ident)
				return 0, true
			}
		}
		return 0, false
	}
	n, ok := c.parseNumber(p.Pos, *p.Number)
	if !ok {
		return 0, true
	}
	if u.Neg {
		n = -n
	}
	return n, true
}

func (c *checker) unary(u *Unary, stmt string) int {
	id := c.primary(u.Primary, stmt)
	if id >= 0 && u.Neg {
		id = c.add(&ir.Node{Name: stmt + ".neg", Op: ir.OpScale, Scale: -1, Inputs: []int{id}, Shape: c.p.Nodes[id].Shape}, u.Pos)
	}
	return id
}

func (c *checker) primary(p *Primary, stmt string) int {
	switch {
	case p.Ident != nil:
		return c.ref(p.Pos, *p.Ident)
	case p.Call != nil:
		return c.call(p.Call, stmt)
	case p.Tuple != nil && len(p.Tuple) == 1:
		return c.expr(p.Tuple[0], stmt)
	case p.Number != nil:
		c.errs.Add(p.Pos, "a constant is not a value of the potential")
	case p.String != nil:
		c.errs.Add(p.Pos, "a string is not a value of the potential")
	default:
		c.errs.Add(p.Pos, "tuples and lists are not values of the potential")
	}
	return -1
}

func (c *checker) ref(pos lexer.Position, name string) int {
	b, ok := c.names[name]
	if !ok {
		if _, isOp := opNames[name]; isOp {
			c.errs.Add(pos, "%s is an operation: call it, e.g. %s(h)", name, name)
			return -1
		}
		c.errs.Add(pos, "unknown name %q (defined so far: %s)", name, strings.Join(c.definedNames(), ", "))
		return -1
	}
	b.used = true
	if b.node == timeNode {
		c.errs.Add(pos, "the time %q is not a value of the potential but one number per evaluation: use it in a layer, as dense(h, N, time = %s) or gate(dense(h, N), %s)", name, name, name)
		return -1
	}
	return b.node
}

// markUsed marks every name that e reads as used.
func (c *checker) markUsed(e *Expr) {
	if e == nil {
		return
	}
	var unary func(u *Unary)
	var exprs func(es []*Expr)
	unary = func(u *Unary) {
		p := u.Primary
		switch {
		case p.Ident != nil:
			if b, ok := c.names[*p.Ident]; ok {
				b.used = true
			}
		case p.Call != nil:
			for _, a := range p.Call.Args {
				c.markUsed(a.Value)
			}
		case p.Tuple != nil:
			exprs(p.Tuple)
		case p.List != nil:
			exprs(p.List.Elems)
		}
	}
	exprs = func(es []*Expr) {
		for _, e := range es {
			c.markUsed(e)
		}
	}
	term := func(t *Term) {
		unary(t.Left)
		for _, r := range t.Rest {
			unary(r.Right)
		}
	}
	term(e.Left)
	for _, r := range e.Rest {
		term(r.Term)
	}
}

func (c *checker) definedNames() []string {
	var out []string
	for n := range c.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// opNames lists the operations a potential may call, with their aliases.
var opNames = map[string]string{
	"dense": "dense", "linear": "dense", "conv": "conv", "gate": "gate",
	"sum": "sum", "mean": "mean",
	"softplus": "act", "lncosh": "act", "logcosh": "act", "tanh": "act", "sigmoid": "act",
	"swish": "act", "silu": "act", "quadratic": "act", "identity": "act",
}

var actAlias = map[string]ir.Act{
	"softplus": ir.Softplus, "lncosh": ir.LnCosh, "logcosh": ir.LnCosh, "tanh": ir.Tanh,
	"sigmoid": ir.Sigmoid, "swish": ir.Swish, "silu": ir.Swish, "quadratic": ir.Quadratic, "identity": ir.Identity,
}

// nonSmooth lists activations that are not C², with the smooth one to use.
var nonSmooth = map[string]string{
	"relu": "softplus (a smooth ReLU) or swish", "relu6": "softplus or swish", "leaky_relu": "softplus or swish",
	"leakyrelu": "softplus or swish", "prelu": "softplus or swish", "elu": "softplus or swish",
	"selu": "softplus or swish", "hardtanh": "tanh", "hard_tanh": "tanh", "hardsigmoid": "sigmoid",
	"hard_sigmoid": "sigmoid", "hardswish": "swish", "abs": "lncosh (a smooth |x|)", "step": "sigmoid",
	"max": "softplus", "min": "softplus",
}

func actList() string {
	var s []string
	for _, a := range ir.Acts {
		s = append(s, string(a))
	}
	return strings.Join(s, ", ")
}

// call lowers an operation call.
func (c *checker) call(call *Call, stmt string) int {
	kind, ok := opNames[call.Name]
	if !ok && call.Name == "fourier" {
		c.errs.Add(call.Pos, "fourier(%s, k) gives time features, not a value: give it to a layer, as dense(h, N, time = fourier(%s, k)) or gate(dense(h, N), fourier(%s, k))", c.timeNameOr("t"), c.timeNameOr("t"), c.timeNameOr("t"))
		c.markUsed(&Expr{Left: &Term{Left: &Unary{Primary: &Primary{Call: call}}}})
		return -1
	}
	if !ok {
		if smooth, bad := nonSmooth[strings.ToLower(call.Name)]; bad {
			c.errs.Add(call.Pos, "activation %q is not twice differentiable: Δφ needs a C² activation (σ″ is zero almost everywhere or undefined for %s); use %s", call.Name, call.Name, smooth)
			return -1
		}
		c.errs.Add(call.Pos, "unknown operation %q (want dense, conv, sum, mean or an activation: %s)", call.Name, actList())
		return -1
	}
	if len(call.Args) == 0 || call.Args[0].Name != nil {
		c.errs.Add(call.Pos, "%s needs the value it applies to as its first argument, e.g. %s(h)", call.Name, call.Name)
		return -1
	}
	if kind == "gate" {
		return c.gate(call, stmt)
	}
	if kind == "conv" && c.isTime(call.Args[0].Value) {
		c.errs.Add(call.Args[0].Pos, "the time %q is one number per evaluation, not a lattice field: a convolution cannot take it as its spatial input; add it as constant channels with conv(h, C, time = %s)", c.time.Name, c.time.Name)
		return -1
	}
	in := c.expr(call.Args[0].Value, stmt)
	rest := c.restArgs(call)
	if in < 0 {
		return -1
	}
	inShape := c.p.Nodes[in].Shape
	switch kind {
	case "act":
		if len(rest.args) > 0 {
			c.errs.Add(rest.args[0].pos, "activation %s takes one argument, the value it applies to: %s(h)", call.Name, call.Name)
			return -1
		}
		act := actAlias[call.Name]
		return c.add(&ir.Node{Name: stmt + "." + string(act), Op: ir.OpAct, Act: act, Inputs: []int{in}, Shape: inShape}, call.Pos)
	case "dense":
		a := c.bindArgs(rest, "out", "bias", "init", "time")
		if a["out"] == nil {
			c.errs.Add(call.Pos, "dense needs its width: dense(h, N)")
			return -1
		}
		out, ok := c.intIn(a["out"], "dense width", 1, c.lim.MaxWidth)
		bias := true
		if a["bias"] != nil {
			b, okb := c.boolValue(a["bias"], "bias")
			ok = ok && okb
			bias = b
		}
		init, oki := c.layerInit(a["init"])
		tf, okt := c.timeFeatures(a["time"])
		if !ok || !oki || !okt {
			return -1
		}
		id := c.add(&ir.Node{Name: stmt + ".dense", Op: ir.OpDense, Out: out, Bias: bias, Time: tf, Inputs: []int{in}, Shape: ir.Vec(out)}, call.Pos)
		if init != nil {
			c.setLayerInit(id, *init)
		}
		return id
	case "conv":
		a := c.bindArgs(rest, "channels", "kernel", "bias", "init", "symmetric", "time")
		if a["channels"] == nil {
			c.errs.Add(call.Pos, "conv needs its output channels: conv(h, C, kernel = 3)")
			return -1
		}
		if !inShape.IsGrid() {
			c.errs.Add(call.Pos, "conv needs a lattice-shaped value, but its input has shape %v: declare the input as lattice(L) or chain(L), and apply conv before any dense layer", inShape)
			return -1
		}
		ch, ok := c.intIn(a["channels"], "conv channels", 1, c.lim.MaxWidth)
		k1, k2 := 3, 3
		if inShape.L2 == 1 {
			k2 = 1
		}
		if kv := a["kernel"]; kv != nil {
			switch {
			case kv.kind == vTuple && len(kv.elems) == 2:
				var ok1, ok2 bool
				k1, ok1 = c.intR(kv.elems[0], limits.KernelSide)
				k2, ok2 = c.intR(kv.elems[1], limits.KernelSide)
				ok = ok && ok1 && ok2
			default:
				var okk bool
				k1, okk = c.intR(kv, limits.KernelSide)
				k2 = k1
				if inShape.L2 == 1 {
					k2 = 1
				}
				ok = ok && okk
			}
		}
		// An even size is allowed only for a kernel spanning the whole
		// periodic axis (every offset once); otherwise it has no centre.
		if ok && ((k1%2 == 0 && k1 != inShape.L1) || (k2%2 == 0 && k2 != inShape.L2)) {
			c.errs.Add(a["kernel"].pos, "kernel size %d×%d must be odd so that the kernel has a centre site (or equal to the lattice size, %d×%d, for a kernel over the whole lattice)", k1, k2, inShape.L1, inShape.L2)
			ok = false
		}
		if ok && (k1 > inShape.L1 || k2 > inShape.L2) {
			pos := call.Pos
			if a["kernel"] != nil {
				pos = a["kernel"].pos
			}
			c.errs.Add(pos, "kernel %d×%d is larger than the %d×%d lattice: use a kernel of at most the lattice size", k1, k2, inShape.L1, inShape.L2)
			ok = false
		}
		bias := true
		if a["bias"] != nil {
			b, okb := c.boolValue(a["bias"], "bias")
			ok = ok && okb
			bias = b
		}
		var tie ir.Group
		if sv := a["symmetric"]; sv != nil && ok {
			w, okw := c.bareWord(sv, "kernel symmetry", []string{"d4", "c4"})
			switch {
			case !okw:
				ok = false
			case inShape.L1 != inShape.L2 || k1 != k2:
				c.errs.Add(sv.pos, "symmetric = %s needs a square lattice and a square kernel, got a %d×%d kernel on a %d×%d lattice", w, k1, k2, inShape.L1, inShape.L2)
				ok = false
			default:
				tie = ir.Group(w)
			}
		}
		init, oki := c.layerInit(a["init"])
		tf, okt := c.timeFeatures(a["time"])
		if !ok || !oki || !okt {
			return -1
		}
		id := c.add(&ir.Node{Name: stmt + ".conv", Op: ir.OpConv, Out: ch, K1: k1, K2: k2, Bias: bias, Tie: tie, Time: tf, Inputs: []int{in}, Shape: ir.Grid(inShape.L1, inShape.L2, ch)}, call.Pos)
		if init != nil {
			c.setLayerInit(id, *init)
		}
		return id
	case "sum", "mean":
		a := c.bindArgs(rest, "over")
		over := "all"
		if a["over"] != nil {
			w, ok := c.bareWord(a["over"], "reduction", []string{"all", "sites"})
			if !ok {
				return -1
			}
			over = w
		}
		if over == "sites" {
			if !inShape.IsGrid() {
				c.errs.Add(call.Pos, "%s over sites needs a lattice-shaped value, but its input has shape %v", call.Name, inShape)
				return -1
			}
			return c.add(&ir.Node{Name: stmt + ".pool", Op: ir.OpPool, Mean: kind == "mean", Inputs: []int{in}, Shape: ir.Vec(inShape.C)}, call.Pos)
		}
		op := ir.OpSum
		if kind == "mean" {
			op = ir.OpMean
		}
		return c.add(&ir.Node{Name: stmt + "." + kind, Op: op, Inputs: []int{in}, Shape: ir.Vec(1)}, call.Pos)
	}
	panic("dsl: unhandled op kind " + kind)
}

func (c *checker) setLayerInit(node int, in ir.Init) {
	if c.layerInits == nil {
		c.layerInits = map[int]ir.Init{}
	}
	c.layerInits[node] = in
}

var initSchemes = []string{"uniform", "normal", "glorot", "lecun", "zero"}

// layerInit parses an init scheme value; nil v means "not given".
func (c *checker) layerInit(v *value) (*ir.Init, bool) {
	if v == nil {
		return nil, true
	}
	w, ok := c.word(v, "init scheme", initSchemes)
	if !ok {
		return nil, false
	}
	in := ir.Init{Scheme: w}
	if v.kind == vCall {
		a := c.bindArgs(v, "std")
		if w != "normal" && len(v.args) > 0 {
			c.errs.Add(v.pos, "init scheme %s takes no arguments", w)
			return nil, false
		}
		if w == "normal" {
			if a["std"] == nil {
				c.errs.Add(v.pos, "normal needs its standard deviation: normal(std = 0.01)")
				return nil, false
			}
			std, ok := c.floatR(a["std"], limits.InitStd)
			if !ok {
				return nil, false
			}
			in.Std = std
		}
	} else if w == "normal" {
		c.errs.Add(v.pos, "normal needs its standard deviation: normal(std = 0.01)")
		return nil, false
	}
	return &in, true
}

// assignParams lays out the flat parameter vector in node order.
func (c *checker) assignParams() {
	off := 0
	total := 0
	for _, n := range c.p.Nodes {
		if n.Op != ir.OpDense && n.Op != ir.OpConv {
			continue
		}
		in := c.p.Nodes[n.Inputs[0]].Shape
		init := c.initScheme
		if li, ok := c.layerInits[n.ID]; ok {
			init = li
		}
		var wshape []int
		fanin := in.Size()
		if n.Op == ir.OpDense {
			wshape = []int{n.Out, in.Size()}
		} else {
			wshape = []int{n.Out, in.C, n.K1, n.K2}
			if n.Tie != "" {
				_, r := ir.KernelOrbits(n.Tie, n.K1)
				wshape = []int{n.Out, in.C, r}
			}
			fanin = in.C * n.K1 * n.K2
		}
		size := 1
		for _, d := range wshape {
			size *= d
		}
		n.W = len(c.p.Params)
		c.p.Params = append(c.p.Params, &ir.Param{Name: n.Name + ".W", Node: n.ID, Role: "weight", Offset: off, Shape: wshape, Size: size, FanIn: fanin, Init: init})
		off += size
		total += size
		n.B = -1
		if n.Bias {
			n.B = len(c.p.Params)
			binit := init
			if binit.Scheme == "glorot" || binit.Scheme == "lecun" {
				binit = ir.Init{Scheme: "zero"}
			}
			c.p.Params = append(c.p.Params, &ir.Param{Name: n.Name + ".b", Node: n.ID, Role: "bias", Offset: off, Shape: []int{n.Out}, Size: n.Out, FanIn: fanin, Init: binit})
			off += n.Out
			total += n.Out
		}
		if total > c.lim.MaxParams {
			c.errs.Add(lexer.Position{Filename: c.f.Name, Line: n.Pos.Line, Column: n.Pos.Col},
				"network has %d parameters (%.1f GiB in float64) by this layer, more than the limit of %d: reduce the widths",
				total, float64(total)*8/(1<<30), c.lim.MaxParams)
			c.p.Params = nil
			return
		}
	}
	c.assignTimeParams(off)
}

// restArgs returns call as a constant call value holding its arguments
// after the first (a layer's settings: width, kernel, bias, time, …).
func (c *checker) restArgs(call *Call) *value {
	rest := &value{pos: call.Pos, kind: vCall, text: call.Name}
	for _, a := range call.Args[1:] {
		av := &argValue{pos: a.Pos, val: c.constValue(a.Value)}
		if a.Name != nil {
			av.name = *a.Name
		}
		rest.args = append(rest.args, av)
	}
	return rest
}
