package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the most lines a hand-written function of the compiler's
// back end may span (issue #14: one function per job, one emitter per
// construct, each short enough to read).
const maxFuncLines = 80

// TestFunctionsShort fails for a function of package codegen, emit or plan
// over maxFuncLines lines. Each package must show at least min functions,
// so that a moved folder cannot make the check pass by finding nothing.
func TestFunctionsShort(t *testing.T) {
	for _, tc := range []struct {
		dir string
		min int
	}{
		{".", 5},
		{"emit", 100},
		{"plan", 30},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(tc.dir, "*.go"))
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			seen := 0
			for _, name := range files {
				if strings.HasSuffix(name, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, name, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range f.Decls {
					fd, ok := d.(*ast.FuncDecl)
					if !ok {
						continue
					}
					seen++
					n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
					if n > maxFuncLines {
						t.Errorf("%s: %s spans %d lines, want at most %d: split it", fset.Position(fd.Pos()), fd.Name.Name, n, maxFuncLines)
					}
				}
			}
			if seen < tc.min {
				t.Fatalf("found only %d functions in %s, want at least %d: the test checks too little", seen, tc.dir, tc.min)
			}
		})
	}
}
