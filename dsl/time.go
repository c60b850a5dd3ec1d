package dsl

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// GateBias is the initial bias c of a time gate sigmoid(A·f(t) + c).
const GateBias = 4

// timeNode is the binding of the time input: a name, but no node.
const timeNode = -2

// FourierPeriod is the range of fourier(t, k, period = P).
var fourierPeriod = limits.Float{Name: "period", Lo: 0, Hi: 1e6, OpenLo: true}

// timeDecl binds the time input's name.
func (c *checker) timeDecl(d *TimeDecl) bool {
	if !c.nameFits(d.Pos, "time", d.Name) {
		return false
	}
	if prev, dup := c.names[d.Name]; dup {
		c.errs.Add(d.Pos, "time %q has the name of the input declared at %s: choose another name", d.Name, posString(prev.pos))
		return false
	}
	if _, isOp := opNames[d.Name]; isOp {
		c.errs.Add(d.Pos, "time name %q is an operation; choose another name", d.Name)
		return false
	}
	if !c.flowDecl {
		c.errs.Add(d.Pos, "a time-dependent potential needs a flow block that sets the time its flow runs through: add e.g. `flow { steps = 50  dt = 0.1 }` (t goes from 0 to steps·dt)")
		return false
	}
	c.time = d
	c.p.TimeName = d.Name
	c.names[d.Name] = &binding{node: timeNode, pos: d.Pos, used: true, name: d.Name}
	return true
}

// checkTimeUsed reports a declared time that no layer reads, and time
// terms that only add a function of t to φ (they move nothing: ∇ and Δ
// are in x).
func (c *checker) checkTimeUsed(out *ir.Node, pos lexer.Position) {
	if c.time == nil {
		return
	}
	if !c.timeUsed {
		c.errs.Add(c.time.Pos, "time %q is declared but no layer uses it: add time = %s to a dense or conv layer, gate a layer with gate(dense(h, N), %s), or remove the declaration", c.time.Name, c.time.Name, c.time.Name)
	}
	if out.Op == ir.OpDense && out.TimeBias() {
		c.errs.Add(pos, "the output layer's time terms only add a function of %q to φ, which moves nothing (∇φ and Δφ are in %s): put time = … in a hidden layer, or gate the output with gate(…, shift = false)", c.time.Name, c.p.InputName)
	}
}

// isTime reports whether e is the bare name of the declared time.
func (c *checker) isTime(e *Expr) bool {
	if c.time == nil || e == nil || len(e.Rest) > 0 || len(e.Left.Rest) > 0 || e.Left.Left.Neg {
		return false
	}
	p := e.Left.Left.Primary
	return p.Ident != nil && *p.Ident == c.time.Name
}

// timeFeatures parses the time features of a layer: the time t, fourier(t,
// k) (with an optional period, by default the flow's time T), or a list of
// both. nil v means "not given".
func (c *checker) timeFeatures(v *value) (*ir.TimeFeatures, bool) {
	if v == nil {
		return nil, true
	}
	if c.time == nil {
		c.errs.Add(v.pos, "time features need a time input: declare `time t` beside the input, then write time = t or time = fourier(t, 4)")
		return nil, false
	}
	f := &ir.TimeFeatures{}
	elems := []*value{v}
	if v.kind == vList || v.kind == vTuple {
		elems = v.elems
		if len(elems) == 0 {
			c.errs.Add(v.pos, "empty list of time features: write %s, fourier(%s, k) or [%s, fourier(%s, k)]", c.time.Name, c.time.Name, c.time.Name, c.time.Name)
			return nil, false
		}
	}
	ok := true
	for _, e := range elems {
		switch {
		case e.kind == vIdent && e.text == c.time.Name:
			if f.Linear {
				c.errs.Add(e.pos, "time %q given twice in the same features", c.time.Name)
				ok = false
			}
			f.Linear = true
		case e.kind == vCall && e.text == "fourier":
			if f.Fourier > 0 {
				c.errs.Add(e.pos, "fourier given twice in the same features: use one fourier(%s, k) with k frequencies", c.time.Name)
				ok = false
				continue
			}
			a := c.bindArgs(e, "t", "k", "period")
			if a["t"] == nil || a["k"] == nil {
				c.errs.Add(e.pos, "fourier needs the time and a number of frequencies: fourier(%s, k = 4)", c.time.Name)
				ok = false
				continue
			}
			if tv := a["t"]; tv.kind != vIdent || tv.text != c.time.Name {
				c.errs.Add(tv.pos, "fourier takes the time %q as its first argument, not %s", c.time.Name, tv.describe())
				ok = false
				continue
			}
			k, okk := c.intIn(a["k"], "number of Fourier frequencies", 1, ir.MaxFourier)
			period := c.p.Flow.Time()
			okp := true
			if pv := a["period"]; pv != nil {
				period, okp = c.floatR(pv, fourierPeriod)
			}
			if !okk || !okp {
				ok = false
				continue
			}
			f.Fourier, f.Period = k, period
		case e.kind == vIdent && c.names[e.text] != nil:
			c.errs.Add(e.pos, "time features take the time %q or fourier(%s, k), not the value %q", c.time.Name, c.time.Name, e.text)
			ok = false
		default:
			c.errs.Add(e.pos, "unknown time feature %s (want %s, fourier(%s, k) or a list of both)", e.describe(), c.time.Name, c.time.Name)
			ok = false
		}
	}
	if !ok {
		return nil, false
	}
	c.timeUsed = true
	return f, true
}

// gate lowers gate(LAYER, FEATURES, shift = true): the dense or conv layer
// LAYER with its outputs scaled by sigmoid(A·f(t) + c) and, with shift,
// shifted by V·f(t) (FFJORD's concat-squash layer for FEATURES = t).
func (c *checker) gate(call *Call, stmt string) int {
	first := call.Args[0].Value
	var inner *Call
	if len(first.Rest) == 0 && len(first.Left.Rest) == 0 && !first.Left.Left.Neg {
		if p := first.Left.Left.Primary; p.Call != nil {
			if k := opNames[p.Call.Name]; k == "dense" || k == "conv" {
				inner = p.Call
			}
		}
	}
	rest := c.restArgs(call)
	if inner == nil {
		c.errs.Add(call.Args[0].Pos, "gate scales the outputs of one layer: its first argument must be a dense or conv call, as in gate(dense(h, 64), %s)", c.timeNameOr("t"))
		c.markUsed(first)
		return -1
	}
	a := c.bindArgs(rest, "time", "shift")
	if a["time"] == nil {
		c.errs.Add(call.Pos, "gate needs the time features as its second argument: gate(%s(…), %s)", inner.Name, c.timeNameOr("t"))
		c.markUsed(first)
		return -1
	}
	tf, ok := c.timeFeatures(a["time"])
	shift := true
	if sv := a["shift"]; sv != nil {
		b, okb := c.boolValue(sv, "shift")
		ok = ok && okb
		shift = b
	}
	id := c.call(inner, stmt)
	if id < 0 || !ok {
		return -1
	}
	n := c.p.Nodes[id]
	n.Gate, n.GateShift = tf, shift
	return id
}

func (c *checker) timeNameOr(def string) string {
	if c.time != nil {
		return c.time.Name
	}
	return def
}

// assignTimeParams appends the time parameters to θ after all others
// (starting at offset off), node by node: U (time), then A and c (gate),
// then V (shift).
func (c *checker) assignTimeParams(off int) {
	if c.p.Params == nil {
		return
	}
	add := func(n *ir.Node, suffix, role string, shape []int, fanin int, init ir.Init) bool {
		size := 1
		for _, d := range shape {
			size *= d
		}
		c.p.Params = append(c.p.Params, &ir.Param{Name: n.Name + "." + suffix, Node: n.ID, Role: role, Offset: off, Shape: shape, Size: size, FanIn: fanin, Init: init})
		off += size
		if off > c.lim.MaxParams {
			c.errs.Add(lexer.Position{Filename: c.f.Name, Line: n.Pos.Line, Column: n.Pos.Col},
				"network has %d parameters with its time terms by this layer, more than the limit of %d: reduce the widths or the time features", off, c.lim.MaxParams)
			c.p.Params = nil
			return false
		}
		return true
	}
	for _, n := range c.p.Nodes {
		if n.Time == nil && n.Gate == nil {
			continue
		}
		w := c.p.Params[n.W]
		if f := n.Time; f != nil {
			// The features are extra inputs of the layer: PyTorch's
			// default scale for the widened layer.
			init := w.Init
			if init.Scheme == "glorot" || init.Scheme == "lecun" || init.Scheme == "normal" {
				init = ir.Init{Scheme: "uniform"}
			}
			if !add(n, "U", ir.RoleTime, []int{n.Out, f.Len()}, w.FanIn+f.Len(), init) {
				return
			}
		}
		if f := n.Gate; f != nil {
			// The gated layer starts close to the layer without gate:
			// A = 0 and V = 0 (no time dependence yet) and c = GateBias,
			// s = sigmoid(4) ≈ 0.98. (FFJORD's PyTorch-default
			// initialisation starts the gates near ½; with Adam and the
			// paper's weight decay of 1e-3, the smaller gradients of the
			// halved layers let the decay shrink the weights to zero
			// before the flow learned anything.)
			z := ir.Init{Scheme: "zero"}
			if !add(n, "A", ir.RoleGate, []int{n.Out, f.Len()}, f.Len(), z) || !add(n, "c", ir.RoleGateBias, []int{n.Out}, f.Len(), ir.Init{Scheme: "constant", Value: GateBias}) {
				return
			}
			if n.GateShift && !add(n, "V", ir.RoleGateShift, []int{n.Out, f.Len()}, f.Len(), z) {
				return
			}
		}
	}
}
