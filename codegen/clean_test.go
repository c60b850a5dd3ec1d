package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
)

// allSpecs compiles every spec of codegen/testdata and of the repository's
// testdata (the bundled models).
func allSpecs(t *testing.T) map[string]*ir.Program {
	t.Helper()
	a, err := filepath.Glob("testdata/*.maf")
	require.NoError(t, err)
	b, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	out := map[string]*ir.Program{}
	for _, spec := range append(a, b...) {
		src, err := os.ReadFile(spec)
		require.NoError(t, err)
		// The spec's base name, as go generate passes it: the IR records it.
		p, err := dsl.Compile(filepath.Base(spec), src)
		require.NoError(t, err, spec)
		out[spec] = p
	}
	require.NotEmpty(t, out)
	return out
}

// parseModel generates p's model file and parses it.
func parseModel(t *testing.T, p *ir.Program) (*token.FileSet, *ast.File) {
	t.Helper()
	files, err := codegen.Generate(p, codegen.Options{})
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, files[0].Name, files[0].Data, parser.ParseComments)
	require.NoError(t, err)
	return fset, f
}

// TestEmittedCodeIsClean checks, on every spec's generated model file,
// what issue #14 asks of code that reads as if written by hand: no
// blank-identifier assignments that silence unused variables, no integer
// arithmetic left for the reader to fold (x*1, x+0, 2*5, (nb)), θ sliced
// through named offsets, imports in std / other modules / mafc groups, and
// one function that builds the Program.
func TestEmittedCodeIsClean(t *testing.T) {
	for spec, p := range allSpecs(t) {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			fset, f := parseModel(t, p)
			at := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
			decodes := 0
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					if allBlank(n.Lhs) {
						t.Errorf("%s: assignment to blank identifiers only", at(n))
					}
				case *ast.BinaryExpr:
					if noOp(n) {
						t.Errorf("%s: arithmetic with nothing to compute: %s", at(n), src(fset, n))
					}
				case *ast.ParenExpr:
					switch n.X.(type) {
					case *ast.Ident, *ast.BasicLit, *ast.SelectorExpr, *ast.IndexExpr, *ast.CallExpr:
						t.Errorf("%s: needless parentheses: %s", at(n), src(fset, n))
					}
				case *ast.SliceExpr:
					switch src(fset, n.X) {
					case "m.p", "m.theta", "grad", "dtheta":
						for _, e := range []ast.Expr{n.Low, n.High} {
							if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.INT {
								t.Errorf("%s: θ sliced at a raw offset: %s", at(n), src(fset, n))
							}
						}
					}
				case *ast.SelectorExpr:
					if src(fset, n) == "ir.Decode" {
						decodes++
					}
				case *ast.FuncDecl:
					if n.Name.Name == "Program" && n.Recv != nil {
						if got := src(fset, n.Body.List[0]); got != "return Program()" {
							t.Errorf("%s: Model.Program is %q, want it to return the package's Program()", at(n), got)
						}
					}
				}
				return true
			})
			if decodes != 1 {
				t.Errorf("the file decodes the embedded IR %d times, want once", decodes)
			}
			checkImportGroups(t, fset, f)
		})
	}
}

func allBlank(xs []ast.Expr) bool {
	for _, x := range xs {
		if id, ok := x.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

// noOp reports a product with 1 or 0, a sum with 0, or a product or sum
// with two literal terms or factors (through parentheses).
func noOp(e *ast.BinaryExpr) bool {
	if e.Op != token.MUL && e.Op != token.ADD {
		return false
	}
	lits := 0
	for _, x := range operands(e, e.Op) {
		l, ok := x.(*ast.BasicLit)
		if !ok {
			continue
		}
		lits++
		v, err := strconv.ParseFloat(l.Value, 64)
		if err == nil && (v == 0 || v == 1 && e.Op == token.MUL) {
			return true
		}
	}
	return lits > 1
}

// operands flattens a chain of op through parentheses.
func operands(e ast.Expr, op token.Token) []ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == op {
		return append(operands(b.X, op), operands(b.Y, op)...)
	}
	return []ast.Expr{e}
}

// src prints a node of the generated file.
func src(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	if err := printer.Fprint(&b, fset, n); err != nil {
		return err.Error()
	}
	return b.String()
}

// checkImportGroups checks that the imports come as the standard library,
// other modules and mafc's packages, in that order, each group sorted and
// the groups separated by one blank line, without redundant names.
func checkImportGroups(t *testing.T, fset *token.FileSet, f *ast.File) {
	t.Helper()
	group := func(path string) int {
		switch {
		case strings.HasPrefix(path, "github.com/mafc-dev/mafc/"):
			return 2
		case !strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
			return 0
		}
		return 1
	}
	var last *ast.ImportSpec
	for _, is := range f.Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		if is.Name != nil && is.Name.Name == path[strings.LastIndex(path, "/")+1:] {
			t.Errorf("import %s names the package it imports", path)
		}
		if last != nil {
			lp, _ := strconv.Unquote(last.Path.Value)
			gap := fset.Position(is.Pos()).Line - fset.Position(last.Pos()).Line
			switch {
			case group(path) < group(lp) || group(path) == group(lp) && path < lp:
				t.Errorf("import %s comes after %s", path, lp)
			case group(path) == group(lp) && gap != 1:
				t.Errorf("imports %s and %s are in one group but apart", lp, path)
			case group(path) != group(lp) && gap != 2:
				t.Errorf("imports %s and %s are in different groups without a blank line between them", lp, path)
			}
		}
		last = is
	}
}
