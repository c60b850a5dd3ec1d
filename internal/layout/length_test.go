package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the most lines a hand-written function may span (issue
// #14: one function per job, each short enough to read on one screen).
const maxFuncLines = 80

// longFuncs are the functions allowed over maxFuncLines, by "file:name"
// relative to the module root, each with the reason. An entry that no
// longer matches a long function fails the test, so the list only shrinks.
var longFuncs = map[string]string{}

// TestFunctionsShort fails for a hand-written function of the module over
// maxFuncLines lines. It reads every Go file except those under generated/
// and testdata/ and those marked "// Code generated … DO NOT EDIT."
// (emitted code and generated tables). Tests and the //go:build ignore
// generators are included: they are read and changed like any other code.
func TestFunctionsShort(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	seen := map[string]int{} // functions per top-level directory
	stale := map[string]bool{}
	for k := range longFuncs {
		stale[k] = true
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			seen[strings.SplitN(rel, "/", 2)[0]]++
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n <= maxFuncLines {
				continue
			}
			key := rel + ":" + fd.Name.Name
			if _, ok := longFuncs[key]; ok {
				delete(stale, key)
				continue
			}
			t.Errorf("%s:%d: %s spans %d lines, want at most %d: split it into functions with one job each", rel, fset.Position(fd.Pos()).Line, fd.Name.Name, n, maxFuncLines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range stale {
		t.Errorf("%s is listed in longFuncs but is not a function over %d lines: remove the entry", k, maxFuncLines)
	}
	// A moved folder must not make the check pass by finding nothing.
	for _, dir := range []string{"cli", "cmd", "codegen", "data", "dsl", "flow", "ir", "limits", "ode", "physics", "runtime", "train"} {
		if seen[dir] < 5 {
			t.Errorf("found %d functions under %s/, want at least 5: the test checks too little", seen[dir], dir)
		}
	}
}

// skipDir reports whether the walk skips a directory of this name:
// checked-in generated packages, test data and hidden directories.
func skipDir(name string) bool {
	return name == "generated" || name == "testdata" || strings.HasPrefix(name, ".")
}
