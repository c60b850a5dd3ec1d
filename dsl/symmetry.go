package dsl

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

var groupNames = []string{"z2", "translations", "d4", "c4"}

// symmetryBlock resolves each declared group to a strategy: by construction
// when the architecture provably makes φ invariant, otherwise (or when asked)
// by the exact orbit average; `= random` asks instead for a random group
// element per integration step (not exact for φ).
func (c *checker) symmetryBlock(b *Block) {
	if b == nil {
		return
	}
	seen := map[ir.Group]lexer.Position{}
	in := c.p.InputShape()
	for _, s := range b.Stmts {
		name := s.Name
		if name == "translation" {
			name = "translations"
		}
		g := ir.Group(name)
		known := false
		for _, k := range groupNames {
			known = known || k == name
		}
		if !known {
			c.errs.Add(s.Pos, "unknown symmetry %q (want one of: %s)", s.Name, strings.Join(groupNames, ", "))
			continue
		}
		if p, dup := seen[g]; dup {
			c.errs.Add(s.Pos, "duplicate symmetry %q, first declared at %s", name, posString(p))
			continue
		}
		seen[g] = s.Pos
		want := "auto"
		if s.Value != nil {
			v := c.constValue(s.Value)
			w, ok := c.bareWord(v, "symmetry strategy", []string{"auto", "construction", "average", "random"})
			if !ok {
				continue
			}
			want = w
		}
		switch g {
		case ir.Translations:
			if !in.IsGrid() {
				c.errs.Add(s.Pos, "translations need a lattice or chain input, but %q is %s: declare `input %s: lattice(L)` or `chain(L)`", c.p.InputName, c.inputType(), c.p.InputName)
				continue
			}
		case ir.D4, ir.C4:
			if !in.IsGrid() || in.L1 != in.L2 {
				c.errs.Add(s.Pos, "%s needs a square lattice input, but %q is %s: declare `input %s: lattice(L)`", name, c.p.InputName, c.inputType(), c.p.InputName)
				continue
			}
		}
		sym, ok := c.symmetryStrategy(s, g, name, want, in)
		if !ok {
			continue
		}
		c.p.Symmetries = append(c.p.Symmetries, sym)
	}
	if _, d4 := seen[ir.D4]; d4 {
		if p, c4 := seen[ir.C4]; c4 {
			c.errs.Add(p, "c4 is a subgroup of d4: declare only d4")
		}
	}
	if n := c.averageOrder(); n > limits.MaxAverageOrder {
		c.errs.Add(b.Pos, "orbit average over %d group elements is too costly (limit %d): make some symmetries exact by construction", n, limits.MaxAverageOrder)
	}
}

// symmetryStrategy returns the symmetry of group g declared by statement s
// (named name, strategy want) with its strategy and reason, or false after
// reporting why the wanted strategy cannot be used.
func (c *checker) symmetryStrategy(s *Stmt, g ir.Group, name, want string, in ir.Shape) (ir.Symmetry, bool) {
	proof, why := c.proveInvariant(g)
	sym := ir.Symmetry{Group: g, Pos: irPos(s.Pos)}
	switch {
	case want == "random" && proof:
		c.errs.Add(s.Pos, "%s = random draws group elements for a potential that is already invariant by construction (%s): write `%s` for the exact symmetry", name, why, name)
		return sym, false
	case want == "random":
		n := g.Order(in)
		sym.Strategy = ir.ByRandom
		sym.Reason = fmt.Sprintf("a uniformly random element of the %d-element group at each integration step (stochastic symmetrisation, as in the paper's reference code): not exact for φ; the model is a mixture over the draws, symmetric as a whole", n)
	case want == "construction" && !proof:
		c.errs.Add(s.Pos, "%s symmetry cannot be proved by construction: %s", name, why)
		return sym, false
	case want == "average" || !proof:
		sym.Strategy = ir.ByAverage
		n := g.Order(in)
		sym.Reason = fmt.Sprintf("orbit average over %d elements (%d× the cost of one evaluation)", n, n)
		if !proof {
			// The hint to write `= average` is for errors, not for
			// a strategy already chosen.
			culprit, _, _ := strings.Cut(why, "; or write `")
			sym.Reason += "; not invariant by construction: " + culprit
		}
	default:
		sym.Strategy = ir.ByConstruction
		sym.Reason = why
	}
	// The reason is kept in the IR (and generated code): name the spec
	// by its base name so that it does not depend on the working
	// directory.
	if c.f.Name != "" {
		sym.Reason = strings.ReplaceAll(sym.Reason, c.f.Name+":", filepath.Base(c.f.Name)+":")
	}
	return sym, true
}

// averageOrder returns the number of group elements the orbit average sums
// over (1 when nothing is averaged).
func (c *checker) averageOrder() int {
	n := 1
	for _, s := range c.p.Averaged() {
		n *= s.Group.Order(c.p.InputShape())
	}
	return n
}

// proveInvariant decides whether the architecture makes φ invariant under g
// as written, by propagating a symmetry class through the graph. It returns
// a reason either way (for reports, and for the error that tells the user
// how to fix a declaration).
func (c *checker) proveInvariant(g ir.Group) (bool, string) {
	switch g {
	case ir.Z2:
		return c.proveZ2()
	case ir.Translations:
		return c.proveTranslations()
	default:
		return c.provePointGroup(g)
	}
}

// provePointGroup propagates equivariance under the point group g (D4 or
// C4) of a square lattice: the input field is equivariant; a convolution
// whose kernels are tied under g (conv(…, symmetric = d4)), an activation, a
// scaling or a sum of equivariant fields stays equivariant; a global or site
// reduction makes a value invariant; a dense layer of an invariant vector is
// invariant, of a field it breaks the symmetry.
func (c *checker) provePointGroup(g ir.Group) (bool, string) {
	out, culprit := c.classify(func(n *ir.Node) string {
		if n.Op == ir.OpDense {
			return fmt.Sprintf("dense layer %q at %s mixes lattice sites", n.Name, c.nodePos(n))
		}
		if n.Tie != g && !(g == ir.C4 && n.Tie == ir.D4) {
			return fmt.Sprintf("the kernels of conv layer %q at %s are not tied under %s (write conv(…, symmetric = %s))", n.Name, c.nodePos(n), g, g)
		}
		return ""
	})
	if out == tInvariant {
		return true, fmt.Sprintf("φ is %s invariant by construction (%s-tied convolution kernels followed by a global reduction)", g, g)
	}
	if culprit == "" {
		culprit = "the network does not end in a global reduction of a " + string(g) + "-equivariant field"
	}
	return false, culprit + "; or write `" + string(g) + " = average`"
}

type parity int

const (
	pNone parity = iota
	pOdd
	pEven
)

// proveZ2 propagates parity under x → −x: the input is odd; a linear layer
// keeps an odd input odd only without a bias; an even activation of an odd
// value is even, an odd activation keeps oddness; anything of an even value
// is even.
func (c *checker) proveZ2() (bool, string) {
	par := make([]parity, len(c.p.Nodes))
	culprit := ""
	blame := func(n *ir.Node, why string) {
		if culprit == "" {
			culprit = fmt.Sprintf("%s at %s", why, c.nodePos(n))
		}
	}
	for i, n := range c.p.Nodes {
		var in parity
		if len(n.Inputs) > 0 {
			in = par[n.Inputs[0]]
		}
		switch n.Op {
		case ir.OpInput:
			par[i] = pOdd
		case ir.OpDense, ir.OpConv:
			par[i] = in
			if in == pOdd && n.Bias {
				par[i] = pNone
				blame(n, fmt.Sprintf("%s layer %q has a bias, so it is not odd in x (use bias = false)", n.Op, n.Name))
			}
			if in == pOdd && n.TimeBias() {
				// t is a parameter of the proof: a time gate scales the
				// layer (odd stays odd), a time term shifts it.
				par[i] = pNone
				blame(n, fmt.Sprintf("%s layer %q adds a function of the time, a bias, so it is not odd in x (gate it without a shift: gate(…, %s, shift = false))", n.Op, n.Name, c.p.TimeName))
			}
		case ir.OpAct:
			switch {
			case in == pOdd && n.Act.Even():
				par[i] = pEven
			case in == pOdd && (n.Act == ir.Tanh || n.Act == ir.Identity):
				par[i] = pOdd
			case in == pOdd:
				par[i] = pNone
				blame(n, fmt.Sprintf("activation %s is neither even nor odd (use lncosh, or tanh before an even activation)", n.Act))
			default:
				par[i] = in
			}
		case ir.OpAdd:
			a, b := par[n.Inputs[0]], par[n.Inputs[1]]
			if a == b {
				par[i] = a
			} else {
				par[i] = pNone
				blame(n, "a residual connection adds an odd and an even value")
			}
		default:
			par[i] = in
		}
	}
	switch par[c.p.Output] {
	case pEven:
		return true, "φ is even by construction (even activation of bias-free odd layers)"
	case pOdd:
		return false, "φ is odd in x, not even"
	}
	if culprit == "" {
		culprit = "the network is not even in x"
	}
	return false, culprit + "; or write `z2 = average`"
}

type tclass int

const (
	tNone tclass = iota
	tEquivariant
	tInvariant
)

// classify propagates a symmetry class through the graph: the input is
// equivariant; a sum, mean or pool of an equivariant value is invariant; an
// addition of two values of one class keeps it (and has none otherwise);
// every other node has the class of its first input, except that a conv or
// dense layer of an equivariant value for which breaks returns a reason
// breaks the symmetry. It returns the output's class and the first reason.
func (c *checker) classify(breaks func(n *ir.Node) string) (tclass, string) {
	cls := make([]tclass, len(c.p.Nodes))
	culprit := ""
	for i, n := range c.p.Nodes {
		var in tclass
		if len(n.Inputs) > 0 {
			in = cls[n.Inputs[0]]
		}
		switch n.Op {
		case ir.OpInput:
			cls[i] = tEquivariant
		case ir.OpConv, ir.OpDense:
			cls[i] = in
			if in != tEquivariant {
				break
			}
			if why := breaks(n); why != "" {
				cls[i] = tNone
				if culprit == "" {
					culprit = why
				}
			}
		case ir.OpSum, ir.OpMean, ir.OpPool:
			cls[i] = in
			if in == tEquivariant {
				cls[i] = tInvariant
			}
		case ir.OpAdd:
			if a, b := cls[n.Inputs[0]], cls[n.Inputs[1]]; a == b {
				cls[i] = a
			} else {
				cls[i] = tNone
			}
		default:
			cls[i] = in
		}
	}
	return cls[c.p.Output], culprit
}

// proveTranslations propagates translation classes: the lattice input is
// equivariant; periodic convolutions, activations, sums and scalings keep
// equivariance; a global sum or mean (over everything or over sites) makes a
// value invariant; a dense layer of an equivariant field breaks the symmetry.
func (c *checker) proveTranslations() (bool, string) {
	out, culprit := c.classify(func(n *ir.Node) string {
		if n.Op == ir.OpDense {
			return fmt.Sprintf("dense layer %q at %s mixes lattice sites (use conv layers followed by sum or mean)", n.Name, c.nodePos(n))
		}
		return ""
	})
	if out == tInvariant {
		return true, "φ is translation invariant by construction (periodic convolutions followed by a global reduction)"
	}
	if culprit == "" {
		culprit = "the network does not end in a global sum or mean of a translation-equivariant field"
	}
	return false, culprit + "; or write `translations = average`"
}

func (c *checker) nodePos(n *ir.Node) string {
	return ir.Pos{File: c.f.Name, Line: n.Pos.Line, Col: n.Pos.Col}.String()
}
