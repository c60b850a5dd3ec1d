package dsl

import "github.com/alecthomas/participle/v2/lexer"

// Token types that the parser elides or the checker inspects.
const (
	tokDoc          = "DocComment"
	tokComment      = "Comment"
	tokBlockComment = "BlockComment"
	tokUnterminated = "Unterminated"
	tokWhitespace   = "Whitespace"
)

// buildLexer returns the .maf lexer. Rules are tried in order and the first
// that matches wins, so doc comments come before line comments and a
// terminated block comment before the rule that catches an unterminated one.
func buildLexer() *lexer.StatefulDefinition {
	return lexer.MustSimple([]lexer.SimpleRule{
		{Name: tokDoc, Pattern: `///[^\n]*`},
		{Name: tokComment, Pattern: `//[^\n]*`},
		{Name: tokBlockComment, Pattern: `/\*([^*]|\*+[^*/])*\*+/`},
		{Name: tokUnterminated, Pattern: `/\*[\s\S]*`},
		{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
		{Name: "Number", Pattern: `(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Punct", Pattern: `[-+*/=(){}\[\],:;]`},
		{Name: tokWhitespace, Pattern: `[ \t\r\n]+`},
	})
}

var mafLexer = buildLexer()
