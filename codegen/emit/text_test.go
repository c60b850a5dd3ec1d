package emit

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestLineComment(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Hidden layer: h = softplus(W₁x + b₁).", "// Hidden layer: h = softplus(W₁x + b₁)."},
		{"", "// "},
		{"\tindented", "// \tindented"},
		{"//go:generate rm -rf /", "// //go:generate rm -rf /"},
		{"/**/ }; func init() { evil() }", "// /**/ }; func init() { evil() }"},
		{"/* open", "// /* open"},
		{"a */ b", "// a */ b"},
		{"two\nlines", "// two lines"},
		{"crlf\r\nend", "// crlf end"},
		{"cr\rvt\vff\fnel\u0085ls\u2028ps\u2029", "// cr vt ff nel ls ps "},
		{"+build ignore", `// \u002bbuild ignore`},
		{"  go:build linux", `//   \u0067o:build linux`},
		{"x +build", "// x +build"},
		{"rtl \u202e override", `// rtl \u202e override`},
		{"zero\u200bwidth\ufeff", `// zero\u200bwidth\ufeff`},
		{"esc \x1b[31m del \x7f", `// esc \u001b[31m del \u007f`},
		{"bad \xff utf8", `// bad \xff utf8`},
		{"tag \U000E0041", `// tag \U000e0041`},
	} {
		if got := LineComment(tc.in); got != tc.want {
			t.Errorf("LineComment(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := LineComments("a\n//go:generate x\r\n+build y\u2028z")
	want := []string{"// a", "// //go:generate x", `// \u002bbuild y`, "// z"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("LineComments = %q, want %q", got, want)
	}
}

// directive matches the comments Go tools treat as directives or build
// constraints.
var directive = regexp.MustCompile(`^//([a-z0-9]+:|line |extern |export |\s*\+build|\s*go:build)`)

// TestLineCommentScans checks that hostile text comes out as exactly one
// comment token that no tool reads as a directive.
func TestLineCommentScans(t *testing.T) {
	for _, s := range []string{
		"//go:generate x", "*/ func init() {}", "/*", "\n}\nfunc init() {", "a\u2028b", "\x00nul", "\ufeffbom",
		"+build ignore", " +build", "go:build x", "//line x.go:1", "//export F", "\r", "\\", "`", "\"",
	} {
		c := LineComment(s)
		src := []byte("package p\n" + c + "\n")
		var sc scanner.Scanner
		fset := token.NewFileSet()
		errs := 0
		sc.Init(fset.AddFile("x.go", -1, len(src)), src, func(token.Position, string) { errs++ }, scanner.ScanComments)
		var toks []string
		for {
			_, tok, lit := sc.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.COMMENT {
				toks = append(toks, lit)
			}
		}
		if errs > 0 || len(toks) != 1 || toks[0] != c {
			t.Errorf("LineComment(%q) = %q scans as %q with %d errors, want one comment", s, c, toks, errs)
		}
		if directive.MatchString(c) || strings.ContainsAny(c, "\n\r") {
			t.Errorf("LineComment(%q) = %q is a directive or spans lines", s, c)
		}
	}
}

// TestCommentsGoThroughPrinter checks, on the source of package emit, that
// every comment the emitter writes is a string constant of its own or the
// output of LineComment, LineComments or HeaderLine: no other text can
// reach a comment.
func TestCommentsGoThroughPrinter(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(x ast.Node) bool {
			call, ok := x.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "Comment", "HeaderComment", "PackageComment":
			case "Commentf", "CgoPreamble":
				t.Errorf("%s: %s bypasses the comment printer", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			default:
				return true
			}
			n++
			if len(call.Args) != 1 || !printed(call.Args[0]) {
				t.Errorf("%s: %s's argument is neither a plain string constant nor LineComment/HeaderLine output", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if n < 50 {
		t.Fatalf("found only %d comment calls: is the test looking at the emitter?", n)
	}
}

// printed reports whether e is a string literal that jennifer renders as
// "// " and the literal, on one line, or the printer's output.
func printed(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		return err == nil && e.Kind == token.STRING && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "+") &&
			!strings.HasPrefix(s, "go:") && !strings.ContainsAny(s, "\n\r\v\f\u0085\u2028\u2029")
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		return ok && (id.Name == "LineComment" || id.Name == "HeaderLine")
	case *ast.Ident:
		// for _, line := range LineComments(…) { …Comment(line) }
		if e.Obj == nil {
			return false
		}
		as, ok := e.Obj.Decl.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return false
		}
		un, ok := as.Rhs[0].(*ast.UnaryExpr)
		if !ok || un.Op != token.RANGE {
			return false
		}
		call, ok := un.X.(*ast.CallExpr)
		if !ok {
			return false
		}
		id, ok := call.Fun.(*ast.Ident)
		return ok && id.Name == "LineComments"
	}
	return false
}
