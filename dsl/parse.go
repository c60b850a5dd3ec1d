package dsl

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/limits"
)

var parser = participle.MustBuild[File](
	participle.Lexer(mafLexer),
	participle.Elide(tokWhitespace, tokComment, tokBlockComment, tokDoc),
	participle.UseLookahead(3),
)

// Grammar returns the EBNF of the .maf grammar as participle derives it from
// the parser structs. A golden test keeps it under review.
func Grammar() string { return parser.String() }

// MaxFileSize is the largest spec Parse accepts, [limits.MaxSpecBytes]
// (1 MiB); [ReadFile] reads no more than one byte past it.
const MaxFileSize = limits.MaxSpecBytes

// MaxNesting is the deepest nesting of brackets ( [ { that Parse accepts. It
// bounds the parser's and the checker's recursion, so that no input can
// exhaust the stack.
const MaxNesting = 100

// maxSyntaxErrors is the number of failing declarations after which Parse
// stops resynchronising.
const maxSyntaxErrors = 100

// Parse parses a .maf file. filename is used in every position. On error it
// returns an ErrorList: one error per top-level declaration that fails to
// parse (the parser resynchronises at the next declaration), plus lexical
// problems such as non-UTF-8 text, binary content or an unterminated comment.
func Parse(filename string, src []byte) (*File, error) {
	if err := checkText(filename, src); err != nil {
		return nil, err
	}
	toks, err := tokenize(filename, src)
	if err != nil {
		return nil, lexError(filename, src, err)
	}
	docs, err := scanTokens(filename, toks)
	if err != nil {
		return nil, err
	}
	// Parse from the tokens already lexed (the regexp lexer is the costly
	// part of parsing a large file).
	f, err := parseChunk(toks, lexer.EOFToken(position(filename, src, len(src))))
	if err == nil {
		f.Name = filename
		f.Docs = docs
		return f, nil
	}
	return resync(filename, src, toks, docs, err)
}

// checkText rejects src before lexing when it is too large, binary, not
// UTF-8 or holds a character the language never allows.
func checkText(filename string, src []byte) error {
	var errs ErrorList
	pos := func(off int) lexer.Position { return position(filename, src, off) }
	switch {
	case len(src) > MaxFileSize:
		return sizeError(filename, src)
	case bytes.IndexByte(src, 0) >= 0:
		errs.Add(pos(bytes.IndexByte(src, 0)), "file looks binary (NUL byte): a .maf spec is UTF-8 text")
		return errs.Err()
	case !utf8.Valid(src):
		errs.Add(pos(firstInvalidUTF8(src)), "invalid UTF-8 encoding: a .maf spec must be UTF-8 text")
		return errs.Err()
	}
	if i, msg, bad := badChar(src); bad {
		errs.Add(pos(i), "%s", msg)
		return errs.Err()
	}
	return nil
}

// scanTokens checks the token stream for brackets nested over MaxNesting,
// an unterminated block comment and the absence of any declaration, and
// returns the doc comments (/// lines) by the line of the token they
// document.
func scanTokens(filename string, toks []lexer.Token) (map[int]string, error) {
	var errs ErrorList
	docs := map[int]string{}
	var doc []string
	docEnd := 0
	significant := 0
	depth := 0
	for _, t := range toks {
		switch t.Value {
		case "(", "[", "{":
			if t.Type == typeOf("Punct") {
				if depth++; depth > MaxNesting {
					errs.Add(t.Pos, "brackets nested more than %d deep: split the expression into named values", MaxNesting)
					return nil, errs.Err()
				}
			}
		case ")", "]", "}":
			if t.Type == typeOf("Punct") && depth > 0 {
				depth--
			}
		}
		switch t.Type {
		case typeOf(tokUnterminated):
			errs.Add(t.Pos, "unterminated block comment: add */ to close the comment opened here")
			return nil, errs.Err()
		case typeOf(tokDoc):
			if len(doc) > 0 && t.Pos.Line != docEnd+1 {
				doc = nil
			}
			// Without the CR of a CRLF line end.
			doc = append(doc, strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(t.Value, "///"), " "), "\r"))
			docEnd = t.Pos.Line
		case typeOf(tokWhitespace), typeOf(tokComment), typeOf(tokBlockComment):
		default:
			significant++
			if len(doc) > 0 && t.Pos.Line == docEnd+1 {
				docs[t.Pos.Line] = strings.Join(doc, "\n")
			}
			doc = nil
		}
	}
	if significant == 0 {
		errs.Add(lexer.Position{Filename: filename, Line: 1, Column: 1}, "empty spec: want at least `model NAME`, `input x: vector(D)` and a `potential { … }` block")
		return nil, errs.Err()
	}
	return docs, nil
}

// resync parses each top-level declaration on its own, from its own tokens
// (which carry their positions in the whole file), after the whole file
// failed with err, and reports one error per failing declaration (err
// itself if none fails alone). The work is linear in the file size however
// many declarations fail.
func resync(filename string, src []byte, toks []lexer.Token, docs map[int]string, err error) (*File, error) {
	var errs ErrorList
	out := &File{Name: filename, Docs: docs, Pos: lexer.Position{Filename: filename, Line: 1, Column: 1}, partial: true}
	for _, ch := range chunks(toks) {
		if len(errs) == maxSyntaxErrors {
			errs.Add(toks[ch[0]].Pos, "too many syntax errors (%d); not parsing the rest of the file", maxSyntaxErrors)
			break
		}
		cf, cerr := parseChunk(toks[ch[0]:ch[1]], endOf(filename, src, toks, ch[1]))
		if cerr != nil {
			errs = append(errs, convertErr(filename, cerr)...)
			continue
		}
		out.Decls = append(out.Decls, cf.Decls...)
	}
	if len(errs) == 0 {
		errs = append(errs, convertErr(filename, err)...)
	}
	return out, errs.Err()
}

func typeOf(name string) lexer.TokenType { return mafLexer.Symbols()[name] }

// tokenize runs the lexer over src and returns every token, including the
// ones the parser elides.
func tokenize(filename string, src []byte) ([]lexer.Token, error) {
	lx, err := mafLexer.LexString(filename, string(src))
	if err != nil {
		return nil, err
	}
	var toks []lexer.Token
	for {
		t, err := lx.Next()
		if err != nil {
			return nil, err
		}
		if t.EOF() {
			return toks, nil
		}
		toks = append(toks, t)
	}
}

// chunks splits the token stream into top-level declarations, as [start,
// end) token indexes: a declaration starts at a depth-0 "model", "input" or
// "time" or at a depth-0 name followed by "{". Tokens before the first declaration
// form a chunk of their own.
func chunks(toks []lexer.Token) [][2]int {
	var sig []int // indexes of the significant tokens
	for i, t := range toks {
		if !elided(t.Type) {
			sig = append(sig, i)
		}
	}
	var starts []int
	depth := 0
	for j, i := range sig {
		t := toks[i]
		if depth == 0 && t.Type == typeOf("Ident") {
			if t.Value == "model" || t.Value == "input" || t.Value == "time" || (j+1 < len(sig) && toks[sig[j+1]].Value == "{") {
				starts = append(starts, i)
			}
		}
		switch t.Value {
		case "{":
			depth++
		case "}":
			if depth > 0 {
				depth--
			}
		}
	}
	if len(starts) == 0 || (len(sig) > 0 && sig[0] < starts[0]) {
		starts = append([]int{0}, starts...)
	}
	var out [][2]int
	for i, s := range starts {
		e := len(toks)
		if i+1 < len(starts) {
			e = starts[i+1]
		}
		out = append(out, [2]int{s, e})
	}
	return out
}

func elided(t lexer.TokenType) bool {
	switch t {
	case typeOf(tokWhitespace), typeOf(tokComment), typeOf(tokBlockComment), typeOf(tokDoc):
		return true
	}
	return false
}

// endOf returns the token that ends a chunk ending before toks[end]: the
// next declaration's first token, or an end-of-file token.
func endOf(filename string, src []byte, toks []lexer.Token, end int) lexer.Token {
	for ; end < len(toks); end++ {
		if !elided(toks[end].Type) {
			return toks[end]
		}
	}
	return lexer.EOFToken(position(filename, src, len(src)))
}

// parseChunk parses the tokens of one declaration. next is the token after
// it; an error at the end of the chunk names it rather than "<EOF>".
func parseChunk(toks []lexer.Token, next lexer.Token) (*File, error) {
	eof := lexer.EOFToken(next.Pos)
	lx := &sliceLexer{toks: toks, eof: eof}
	var elide []lexer.TokenType
	for _, n := range []string{tokWhitespace, tokComment, tokBlockComment, tokDoc} {
		elide = append(elide, typeOf(n))
	}
	pl, err := lexer.Upgrade(lx, elide...)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFromLexer(pl)
	if err != nil && !next.EOF() {
		var perr participle.Error
		if errors.As(err, &perr) && perr.Position().Offset == next.Pos.Offset {
			msg := strings.Replace(perr.Message(), `"<EOF>"`, strconv.Quote(next.Value), 1)
			return nil, participle.Errorf(next.Pos, "%s", msg)
		}
	}
	return f, err
}

// sliceLexer replays already-lexed tokens, then an end-of-file token.
type sliceLexer struct {
	toks []lexer.Token
	eof  lexer.Token
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if len(l.toks) == 0 {
		return l.eof, nil
	}
	t := l.toks[0]
	l.toks = l.toks[1:]
	return t, nil
}

func convertErr(filename string, err error) ErrorList {
	var perr participle.Error
	if errors.As(err, &perr) {
		p := perr.Position()
		if p.Filename == "" {
			p.Filename = filename
		}
		return ErrorList{{Pos: p, Msg: improveMsg(perr.Message())}}
	}
	return ErrorList{{Pos: lexer.Position{Filename: filename}, Msg: err.Error()}}
}

// improveMsg rewrites participle's messages where a friendlier one exists:
// the grammar's production names mean nothing to a user.
func improveMsg(m string) string {
	return msgReplacer.Replace(m)
}

var msgReplacer = strings.NewReplacer(
	`unexpected token "<EOF>"`, "unexpected end of file",
	`(expected "{" Stmt* "}")`, `(expected "{" to open a block, or "model" or "input")`,
	`(expected ":" Call)`, `(expected ":" and the input type, e.g. x: vector(784))`,
	`(expected Call)`, "(expected the input type: vector(D), lattice(L), lattice(L1, L2) or chain(L))",
	`(expected Primary)`, "(expected a value: a number, a name, a call, a \"string\", ( … ) or [ … ])",
)

// lexError turns the lexer's "invalid input text" error at pos into a
// message that names the offending character.
func lexError(filename string, src []byte, err error) ErrorList {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return ErrorList{{Pos: lexer.Position{Filename: filename}, Msg: err.Error()}}
	}
	pos := perr.Position()
	pos.Filename = filename
	var errs ErrorList
	switch r, _ := utf8.DecodeRune(src[min(pos.Offset, len(src)):]); {
	case pos.Offset >= len(src):
		errs.Add(pos, "%s", perr.Message())
	case r == '"':
		errs.Add(pos, "unterminated string: close it with \" on the same line")
	default:
		errs.Add(pos, "unexpected character %q: a .maf spec uses names, numbers, \"strings\", comments and the punctuation ( ) { } [ ] , : ; = + - * /", r)
	}
	return errs
}

func position(filename string, src []byte, off int) lexer.Position {
	line, col := 1, 1
	for i := 0; i < off && i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		i += n
	}
	return lexer.Position{Filename: filename, Offset: off, Line: line, Column: col}
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
