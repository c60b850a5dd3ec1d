package dsl

import (
	"fmt"
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

// run checks the whole file: declarations, settings, the potential, its
// symmetries, and the limits of the run and of the generated code.
func (c *checker) run() {
	model, input, tdecl, blocks := c.decls()
	start := lexer.Position{Filename: c.f.Name, Line: 1, Column: 1}
	c.modelDecl(model, start)
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

// decls returns the first declaration of each kind and the first block of
// each section, reporting unknown sections and duplicates.
func (c *checker) decls() (model *ModelDecl, input *InputDecl, tdecl *TimeDecl, blocks map[string]*Block) {
	seen := map[string]lexer.Position{}
	blocks = map[string]*Block{}
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
	return model, input, tdecl, blocks
}

// modelDecl checks the model declaration (nil: missing; start is the
// file's first position) and names the program.
func (c *checker) modelDecl(model *ModelDecl, start lexer.Position) {
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

// potentialBlock lowers the potential block, statement by statement, and
// checks φ.
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
		if bd := c.stmt(s); bd != nil {
			last, lastStmt = bd, s
		}
	}
	if last == nil || lastStmt != b.Stmts[len(b.Stmts)-1] {
		// The last statement, which defines φ, is in error.
		return
	}
	c.output(last, lastStmt, nerr)
}

// stmt lowers one statement of the potential block and binds its name; it
// returns nil if the statement is in error.
func (c *checker) stmt(s *Stmt) *binding {
	if s.Value == nil {
		c.errs.Add(s.Pos, "statement %q has no value: write `%s = expression`", s.Name, s.Name)
		return nil
	}
	if prev, dup := c.names[s.Name]; dup {
		what := "value"
		if prev.node == 0 {
			what = "input"
		}
		c.errs.Add(s.Pos, "duplicate name %q, first defined (as %s) at %s", s.Name, what, posString(prev.pos))
		c.markUsed(s.Value)
		return nil
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
		return nil
	}
	if prev, clash := c.lower[strings.ToLower(s.Name)]; clash {
		c.errs.Add(s.Pos, "name %q clashes with %q (defined at %s) in generated Go code: names must differ in more than case", s.Name, prev.name, posString(prev.pos))
		failed()
		return nil
	}
	if _, isOp := opNames[s.Name]; isOp {
		c.errs.Add(s.Pos, "name %q is an operation; choose another name", s.Name)
		failed()
		return nil
	}
	before := len(c.p.Nodes)
	id := c.expr(s.Value, s.Name)
	if id < 0 {
		failed()
		return nil
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
	return bd
}

// output checks φ, the last statement's value lastStmt (bound to last):
// a scalar that depends on the input, with no unused value before it; then
// it lays out the parameters, unless the block had errors (more than nerr).
func (c *checker) output(last *binding, lastStmt *Stmt, nerr int) {
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

func (c *checker) definedNames() []string {
	var out []string
	for n := range c.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
