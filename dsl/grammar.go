package dsl

import "github.com/alecthomas/participle/v2/lexer"

// File is a parsed .maf file: a sequence of declarations.
type File struct {
	Pos   lexer.Position
	Decls []*Decl `parser:"@@*"`

	// Name is the file name given to Parse.
	Name string
	// Docs maps a line number to the doc comment (/// lines) that ends on
	// the line before it; declarations and statements pick theirs up by
	// their own line.
	Docs map[int]string

	// partial marks a File that Parse returned with errors: only the
	// declarations that parsed are in Decls.
	partial bool
}

// Decl is a top-level declaration.
type Decl struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Model *ModelDecl `parser:"@@"`
	Input *InputDecl `parser:"| @@"`
	Time  *TimeDecl  `parser:"| @@"`
	Block *Block     `parser:"| @@"`
}

// TimeDecl declares the time input of a time-dependent potential φ(x, t):
// time NAME.
type TimeDecl struct {
	Pos  lexer.Position
	Name string `parser:"\"time\" @Ident"`
}

// ModelDecl names the model: model NAME.
type ModelDecl struct {
	Pos  lexer.Position
	Name string `parser:"\"model\" @Ident"`
}

// InputDecl declares the input: input NAME : TYPE, with TYPE one of
// vector(D), lattice(L), lattice(L1, L2) or chain(L).
type InputDecl struct {
	Pos  lexer.Position
	Name string `parser:"\"input\" @Ident \":\""`
	Type *Call  `parser:"@@"`
}

// Block is a named section: potential, symmetry, init, flow or train.
type Block struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Kind  string  `parser:"@Ident \"{\""`
	Stmts []*Stmt `parser:"@@* \"}\""`
}

// Stmt is NAME [= EXPR], optionally followed by a semicolon. In a potential
// block it binds a value; in settings blocks it sets a key; in a symmetry
// block it declares a group (with an optional strategy).
type Stmt struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name  string `parser:"@Ident"`
	Value *Expr  `parser:"( \"=\" @@ )? \";\"?"`
}

// Expr is a sum of terms: a + b − c.
type Expr struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left *Term     `parser:"@@"`
	Rest []*OpTerm `parser:"@@*"`
}

// OpTerm is one "+ term" or "- term".
type OpTerm struct {
	Pos  lexer.Position
	Op   string `parser:"@(\"+\" | \"-\")"`
	Term *Term  `parser:"@@"`
}

// Term is a product of factors: 0.5 * sum(h).
type Term struct {
	Pos  lexer.Position
	Left *Unary     `parser:"@@"`
	Rest []*OpUnary `parser:"@@*"`
}

// OpUnary is one "* factor" or "/ factor".
type OpUnary struct {
	Pos   lexer.Position
	Op    string `parser:"@(\"*\" | \"/\")"`
	Right *Unary `parser:"@@"`
}

// Unary is an optionally negated primary expression.
type Unary struct {
	Pos     lexer.Position
	Neg     bool     `parser:"@\"-\"?"`
	Primary *Primary `parser:"@@"`
}

// Primary is a literal, a call, a name, a parenthesised expression or tuple,
// or a list.
type Primary struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Number *string `parser:"@Number"`
	String *string `parser:"| @String"`
	Call   *Call   `parser:"| @@"`
	Ident  *string `parser:"| @Ident"`
	Tuple  []*Expr `parser:"| \"(\" @@ ( \",\" @@ )* \")\""`
	List   *List   `parser:"| @@"`
}

// List is [a, b, …].
type List struct {
	Pos   lexer.Position
	Elems []*Expr `parser:"\"[\" ( @@ ( \",\" @@ )* \",\"? )? \"]\""`
}

// Call is NAME(args): an operation, a type or a setting's structured value.
type Call struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name string `parser:"@Ident \"(\""`
	Args []*Arg `parser:"( @@ ( \",\" @@ )* \",\"? )? \")\""`
}

// Arg is a positional or named (NAME = EXPR) argument.
type Arg struct {
	Pos   lexer.Position
	Name  *string `parser:"( @Ident \"=\" )?"`
	Value *Expr   `parser:"@@"`
}
