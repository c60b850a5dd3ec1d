package dsl

import (
	"math"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

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
		return c.dense(call, rest, in, stmt)
	case "conv":
		return c.conv(call, rest, in, stmt)
	case "sum", "mean":
		return c.reduce(call, kind, rest, in, stmt)
	}
	panic("dsl: unhandled op kind " + kind)
}

// dense lowers dense(in, N, bias = …, init = …, time = …); rest holds
// the arguments after the first.
func (c *checker) dense(call *Call, rest *value, in int, stmt string) int {
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
}

// conv lowers conv(in, C, kernel = …, bias = …, init = …, symmetric = …,
// time = …) of the lattice-shaped in; rest holds the arguments after the
// first.
func (c *checker) conv(call *Call, rest *value, in int, stmt string) int {
	inShape := c.p.Nodes[in].Shape
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
	k1, k2, ok := c.convKernel(call, a["kernel"], inShape, ok)
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
}

// convKernel returns the kernel size kv gives (nil: 3×3, or 3×1 on a
// chain) and whether ok, the arguments so far, and the size are valid:
// odd, or the lattice's size for a kernel over the whole lattice, and at
// most the lattice. The size checks are skipped when ok is false on entry.
func (c *checker) convKernel(call *Call, kv *value, inShape ir.Shape, ok bool) (k1, k2 int, _ bool) {
	k1, k2 = 3, 3
	if inShape.L2 == 1 {
		k2 = 1
	}
	if kv != nil {
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
		c.errs.Add(kv.pos, "kernel size %d×%d must be odd so that the kernel has a centre site (or equal to the lattice size, %d×%d, for a kernel over the whole lattice)", k1, k2, inShape.L1, inShape.L2)
		ok = false
	}
	if ok && (k1 > inShape.L1 || k2 > inShape.L2) {
		pos := call.Pos
		if kv != nil {
			pos = kv.pos
		}
		c.errs.Add(pos, "kernel %d×%d is larger than the %d×%d lattice: use a kernel of at most the lattice size", k1, k2, inShape.L1, inShape.L2)
		ok = false
	}
	return k1, k2, ok
}

// reduce lowers sum(in, over = …) and mean(in, over = …) (kind "sum" or
// "mean"); rest holds the arguments after the first.
func (c *checker) reduce(call *Call, kind string, rest *value, in int, stmt string) int {
	inShape := c.p.Nodes[in].Shape
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
