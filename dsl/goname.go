package dsl

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
)

// checkGoNames reports the nodes whose generated Go identifiers would
// clash, such as h and H_ (both give hDense for their dense layers and
// sizeHDense for its size). The mapping is ir.GoNames, the one the emitter
// uses, so a spec that checks has distinct identifiers. Each clash is
// reported at the later node, naming the earlier one's position.
func (c *checker) checkGoNames() {
	nodes := c.p.Nodes
	_, clashes := ir.GoNames(nodes)
	for _, cl := range clashes {
		b := nodes[cl.B]
		if cl.A == cl.B {
			c.errs.Add(c.stmtPos(b), "%s gives the Go identifier %s, which the generated code uses itself: rename it", describeNode(b), cl.Ident)
			continue
		}
		a := nodes[cl.A]
		c.errs.Add(c.stmtPos(b), "%s clashes with %s (at %s) in generated Go code: both give the Go identifier %s; rename one (names must differ in more than case, underscores and dots)",
			describeNode(b), describeNode(a), posString(c.stmtPos(a)), cl.Ident)
	}
}

// describeNode names a node as the user wrote it: a name, or the operation
// inside a named statement that the checker derived a node from.
func describeNode(n *ir.Node) string {
	stmt, op, derived := strings.Cut(n.Name, ".")
	if !derived {
		return fmt.Sprintf("name %q", n.Name)
	}
	return fmt.Sprintf("the %s in %q", op, stmt)
}

// stmtPos returns where a node was named: the statement (or input
// declaration) for a named node, the operation for a derived one.
func (c *checker) stmtPos(n *ir.Node) lexer.Position {
	if b, ok := c.names[n.Name]; ok && b.node == n.ID {
		return b.pos
	}
	return lexer.Position{Filename: c.f.Name, Line: n.Pos.Line, Column: n.Pos.Col}
}
