package dsl

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

var parser = participle.MustBuild[File](
	participle.Lexer(mafLexer),
	participle.Elide(tokWhitespace, tokComment, tokBlockComment, tokDoc),
	participle.UseLookahead(3),
)

// Grammar returns the EBNF of the .maf grammar as participle derives it from
// the parser structs. A golden test keeps it under review.
func Grammar() string { return parser.String() }

// MaxFileSize is the largest spec Parse accepts.
const MaxFileSize = 1 << 20

// Parse parses a .maf file. filename is used in every position. On error it
// returns an ErrorList: one error per top-level declaration that fails to
// parse (the parser resynchronises at the next declaration), plus lexical
// problems such as non-UTF-8 text, binary content or an unterminated comment.
func Parse(filename string, src []byte) (*File, error) {
	var errs ErrorList
	pos := func(off int) lexer.Position { return position(filename, src, off) }
	switch {
	case len(src) > MaxFileSize:
		errs.Add(lexer.Position{Filename: filename}, "file is %d bytes, more than the %d-byte limit for a spec", len(src), MaxFileSize)
		return nil, errs.Err()
	case bytes.IndexByte(src, 0) >= 0:
		errs.Add(pos(bytes.IndexByte(src, 0)), "file looks binary (NUL byte): a .maf spec is UTF-8 text")
		return nil, errs.Err()
	case !utf8.Valid(src):
		errs.Add(pos(firstInvalidUTF8(src)), "invalid UTF-8 encoding: a .maf spec must be UTF-8 text")
		return nil, errs.Err()
	}
	if i := bytes.IndexFunc(src, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' && r != '\r' }); i >= 0 {
		errs.Add(pos(i), "control character %q in file: a .maf spec is plain text", src[i])
		return nil, errs.Err()
	}

	toks, err := tokenize(filename, src)
	if err != nil {
		return nil, convertErr(filename, err)
	}
	docs := map[int]string{}
	var doc []string
	docEnd := 0
	significant := 0
	for _, t := range toks {
		switch t.Type {
		case typeOf(tokUnterminated):
			errs.Add(t.Pos, "unterminated block comment: add */ to close the comment opened here")
			return nil, errs.Err()
		case typeOf(tokDoc):
			if len(doc) > 0 && t.Pos.Line != docEnd+1 {
				doc = nil
			}
			doc = append(doc, strings.TrimPrefix(strings.TrimPrefix(t.Value, "///"), " "))
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

	f, err := parser.ParseBytes(filename, src)
	if err == nil {
		f.Name = filename
		f.Docs = docs
		return f, nil
	}
	// Resynchronise: parse each top-level declaration on its own, with the
	// rest of the file blanked out so that positions stay exact, and report
	// one error per failing declaration.
	out := &File{Name: filename, Docs: docs, Pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}
	for _, ch := range chunks(toks) {
		blank := blankOutside(src, ch[0], ch[1])
		cf, cerr := parser.ParseBytes(filename, blank)
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
// end) byte offsets: a declaration starts at a depth-0 "model" or "input"
// or at a depth-0 name followed by "{".
func chunks(toks []lexer.Token) [][2]int {
	var sig []lexer.Token
	for _, t := range toks {
		switch t.Type {
		case typeOf(tokWhitespace), typeOf(tokComment), typeOf(tokBlockComment), typeOf(tokDoc):
		default:
			sig = append(sig, t)
		}
	}
	var starts []int
	depth := 0
	for i, t := range sig {
		if depth == 0 && t.Type == typeOf("Ident") {
			if t.Value == "model" || t.Value == "input" || (i+1 < len(sig) && sig[i+1].Value == "{") {
				starts = append(starts, t.Pos.Offset)
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
	if len(starts) == 0 || (len(sig) > 0 && sig[0].Pos.Offset < starts[0]) {
		starts = append([]int{0}, starts...)
	}
	var out [][2]int
	for i, s := range starts {
		e := -1
		if i+1 < len(starts) {
			e = starts[i+1]
		}
		out = append(out, [2]int{s, e})
	}
	return out
}

// blankOutside returns a copy of src with every byte outside [start, end)
// replaced by a space, keeping newlines so that positions do not move.
func blankOutside(src []byte, start, end int) []byte {
	if end < 0 {
		end = len(src)
	}
	out := make([]byte, len(src))
	for i, c := range src {
		if (i < start || i >= end) && c != '\n' {
			c = ' '
		}
		out[i] = c
	}
	return out
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

// improveMsg rewrites participle's messages where a friendlier one exists.
func improveMsg(m string) string {
	if strings.HasPrefix(m, "invalid input text") {
		return m + " (a .maf spec uses names, numbers, \"strings\", // comments and the punctuation ( ) { } [ ] , : ; = + - * /)"
	}
	return m
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
