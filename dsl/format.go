package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The canonical layout Format prints:
//
//   - top-level declarations separated by one blank line;
//   - one statement per line in a block, indented by four spaces, with the
//     closing brace on a line of its own; an empty block is printed "kind {}";
//   - single spaces around "=" and the binary operators + - * /, none after
//     a unary minus, ", " between arguments and elements, and "input x: T";
//   - no semicolons and no trailing commas;
//   - numbers and strings exactly as written;
//   - comments (//, /* */ and /// doc comments) kept where they were relative
//     to the tokens: a comment on a line of its own stays on a line of its
//     own, at the indentation of what follows; a comment after a token stays
//     on that token's line. A line comment inside an expression therefore
//     keeps its line break, and the expression continues on the next line,
//     indented one more level;
//   - at most one blank line between statements and comments, and none
//     after an opening or before a closing brace.
//
// The layout keeps every doc comment on the line just before the line it
// documents, so the docs a spec attaches to its declarations are unchanged.

// Format returns the canonical form of a parsed .maf file. f must be the
// File that Parse returned for src without an error; src supplies the
// comments, which the syntax tree does not hold. Format returns an error for
// a nil File, for one that Parse returned with errors (no output is
// produced for a file that does not parse), and for a src that is not the
// source of f. It does not modify f or src and is safe to call
// concurrently.
func Format(f *File, src []byte) ([]byte, error) {
	if f == nil {
		return nil, errors.New("dsl: format: nil File")
	}
	if f.partial {
		return nil, fmt.Errorf("dsl: format: %s did not parse; fix its syntax errors first", f.Name)
	}
	toks, err := tokenize(f.Name, src)
	if err != nil {
		return nil, lexError(f.Name, src, err)
	}
	p := &printer{src: src}
	for _, t := range toks {
		switch t.Type {
		case typeOf(tokComment), typeOf(tokBlockComment), typeOf(tokDoc):
			p.comments = append(p.comments, t)
		case typeOf(tokWhitespace):
		case typeOf(tokUnterminated):
			return nil, fmt.Errorf("dsl: format: %s: unterminated block comment", posString(t.Pos))
		default:
			p.toks = append(p.toks, t)
		}
	}
	for i, d := range f.Decls {
		gap := 2 // a blank line between declarations
		if i == 0 {
			gap = 0
		}
		p.line(gap, 2)
		p.decl(d)
	}
	p.line(0, 2)
	p.flush(len(src))
	if p.err == nil {
		// Only dropped semicolons and trailing commas may be left over.
		for _, t := range p.toks[p.next:] {
			if t.Value != ";" && t.Value != "," {
				p.fail(t, "")
				break
			}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	if p.out.Len() > 0 {
		p.out.WriteByte('\n')
	}
	return p.out.Bytes(), nil
}

// FormatSource parses src and returns its canonical form (see [Format]).
// A file that does not parse is an error, with no output.
func FormatSource(filename string, src []byte) ([]byte, error) {
	f, err := Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Format(f, src)
}

// printer writes the canonical form. It walks the syntax tree and, for each
// token it prints, consumes the same token from the source's token stream,
// which gives the token's position and so the comments that come before it.
type printer struct {
	src      []byte
	toks     []lexer.Token // significant source tokens
	next     int           // next token of toks to print
	comments []lexer.Token
	nextCom  int // next comment to print
	prevEnd  int // source offset just after the last token or comment printed

	out       bytes.Buffer
	indent    int  // block depth
	cont      bool // inside a statement: a new line is a continuation line
	newlines  int  // newlines to write before the next text
	lineStart bool // the next token starts a statement, declaration or "}"
	blankCap  int  // most newlines kept from the source before that token
	afterOpen bool // the last text printed was "{"
	afterCom  bool // the last text printed was a comment
	err       error
}

// line asks for the next token to start a new line, after at least
// minLines newlines, keeping up to maxKeep of the source's newlines before it.
func (p *printer) line(minLines, maxKeep int) {
	p.newlines = max(p.newlines, minLines)
	p.lineStart = true
	p.blankCap = maxKeep
	p.cont = false
}

func (p *printer) fail(t lexer.Token, want string) {
	if p.err != nil {
		return
	}
	if want == "" {
		p.err = fmt.Errorf("dsl: format: %s: token %q is not in the syntax tree: src is not the source of the parsed File", posString(t.Pos), t.Value)
		return
	}
	p.err = fmt.Errorf("dsl: format: %s: found %q where the syntax tree has %q: src is not the source of the parsed File", posString(t.Pos), t.Value, want)
}

// tok prints the next token, which must read text, preceded by a space when
// space is set and the line is not empty. Semicolons and trailing commas in
// the source, which the canonical form drops, are skipped.
func (p *printer) tok(text string, space bool) {
	if p.err != nil {
		return
	}
	p.next = p.find(text)
	if p.next >= len(p.toks) {
		p.err = fmt.Errorf("dsl: format: the syntax tree has %q after the end of src: src is not the source of the parsed File", text)
		return
	}
	t := p.toks[p.next]
	if t.Value != text {
		p.fail(t, text)
		return
	}
	p.next++
	p.flush(t.Pos.Offset)
	if p.lineStart {
		keep := p.blankCap
		if p.afterOpen || text == "}" {
			keep = 1
		}
		p.newlines = max(p.newlines, min(p.sourceNewlines(t.Pos.Offset), keep))
		p.lineStart = false
	}
	p.write(text, space)
	p.prevEnd = t.Pos.Offset + len(t.Value)
	p.cont = true
	p.afterOpen = text == "{"
}

// sourceNewlines counts the newlines in the source between the last thing
// printed and off.
func (p *printer) sourceNewlines(off int) int {
	if p.prevEnd >= off {
		return 0
	}
	return bytes.Count(p.src[p.prevEnd:off], []byte{'\n'})
}

// flush prints the comments that come before the source offset off.
func (p *printer) flush(off int) {
	for p.nextCom < len(p.comments) && p.comments[p.nextCom].Pos.Offset < off {
		c := p.comments[p.nextCom]
		p.nextCom++
		text := c.Value
		line := c.Type != typeOf(tokBlockComment)
		if line {
			text = strings.TrimRight(text, " \t\r")
		}
		nl := p.sourceNewlines(c.Pos.Offset)
		if nl == 0 && p.out.Len() > 0 {
			// After a token on the same line: keep it on that line, even if
			// the layout breaks the line after it.
			pending := p.newlines
			p.newlines = 0
			b := p.out.Bytes()
			p.write(text, b[len(b)-1] != '(' && b[len(b)-1] != '[')
			p.newlines = pending
		} else {
			keep := 2
			if p.afterOpen || p.cont && !p.lineStart {
				keep = 1
			}
			p.newlines = max(p.newlines, min(nl, keep), 1)
			p.write(text, true)
			p.afterOpen = false
		}
		if line {
			p.newlines = max(p.newlines, 1)
		}
		p.afterCom = true
		p.prevEnd = c.Pos.Offset + len(c.Value)
	}
}

// write writes text: on a new line when newlines are pending (none at the
// start of the output), else after a space if space is set.
func (p *printer) write(text string, space bool) {
	switch {
	case p.newlines > 0 && p.out.Len() > 0:
		for range min(p.newlines, 2) {
			p.out.WriteByte('\n')
		}
		n := p.indent
		if p.cont && !p.lineStart {
			n++
		}
		for range n {
			p.out.WriteString("    ")
		}
	case p.out.Len() > 0 && (space || p.afterCom):
		if b := p.out.Bytes(); b[len(b)-1] != '\n' && b[len(b)-1] != ' ' {
			p.out.WriteByte(' ')
		}
	}
	p.newlines = 0
	p.out.WriteString(text)
	p.afterCom = false
}

func (p *printer) decl(d *Decl) {
	switch {
	case d.Model != nil:
		p.tok("model", false)
		p.tok(d.Model.Name, true)
	case d.Input != nil:
		p.tok("input", false)
		p.tok(d.Input.Name, true)
		p.tok(":", false)
		p.call(d.Input.Type, true)
	case d.Time != nil:
		p.tok("time", false)
		p.tok(d.Time.Name, true)
	case d.Block != nil:
		b := d.Block
		p.tok(b.Kind, false)
		p.tok("{", true)
		p.indent++
		for _, s := range b.Stmts {
			p.line(1, 2)
			p.stmt(s)
		}
		if len(b.Stmts) > 0 || p.commentBefore("}") {
			p.line(1, 1)
			// Comments before "}" belong to the block's body.
			if i := p.find("}"); i < len(p.toks) {
				p.flush(p.toks[i].Pos.Offset)
			}
		}
		p.indent--
		p.tok("}", false)
	}
}

// commentBefore reports whether a comment comes before the next source
// token, which must read text.
func (p *printer) commentBefore(text string) bool {
	i := p.find(text)
	return i < len(p.toks) && p.nextCom < len(p.comments) && p.comments[p.nextCom].Pos.Offset < p.toks[i].Pos.Offset
}

// find returns the index of the source token that the next token printed,
// reading text, will consume: the next one after any semicolons and
// trailing commas.
func (p *printer) find(text string) int {
	i := p.next
	for i < len(p.toks) && p.toks[i].Value != text && (p.toks[i].Value == ";" || p.toks[i].Value == ",") {
		i++
	}
	return i
}

func (p *printer) stmt(s *Stmt) {
	p.tok(s.Name, false)
	if s.Value != nil {
		p.tok("=", true)
		p.expr(s.Value, true)
	}
}

func (p *printer) expr(e *Expr, space bool) {
	p.term(e.Left, space)
	for _, r := range e.Rest {
		p.tok(r.Op, true)
		p.term(r.Term, true)
	}
}

func (p *printer) term(t *Term, space bool) {
	p.unary(t.Left, space)
	for _, r := range t.Rest {
		p.tok(r.Op, true)
		p.unary(r.Right, true)
	}
}

func (p *printer) unary(u *Unary, space bool) {
	if u.Neg {
		p.tok("-", space)
		space = false
	}
	p.primary(u.Primary, space)
}

func (p *printer) primary(x *Primary, space bool) {
	switch {
	case x.Number != nil:
		p.tok(*x.Number, space)
	case x.String != nil:
		p.tok(*x.String, space)
	case x.Call != nil:
		p.call(x.Call, space)
	case x.Ident != nil:
		p.tok(*x.Ident, space)
	case x.Tuple != nil:
		p.tok("(", space)
		p.exprs(x.Tuple)
		p.tok(")", false)
	case x.List != nil:
		p.tok("[", space)
		p.exprs(x.List.Elems)
		p.tok("]", false)
	}
}

func (p *printer) exprs(es []*Expr) {
	for i, e := range es {
		if i > 0 {
			p.tok(",", false)
		}
		p.expr(e, i > 0)
	}
}

func (p *printer) call(c *Call, space bool) {
	p.tok(c.Name, space)
	p.tok("(", false)
	for i, a := range c.Args {
		if i > 0 {
			p.tok(",", false)
		}
		sp := i > 0
		if a.Name != nil {
			p.tok(*a.Name, sp)
			p.tok("=", true)
			sp = true
		}
		p.expr(a.Value, sp)
	}
	p.tok(")", false)
}
