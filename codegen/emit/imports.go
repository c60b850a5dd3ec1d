package emit

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
)

// modulePath is the import path prefix of mafc's own packages.
const modulePath = "github.com/mafc-dev/mafc"

// groupImports rewrites the import declaration of the Go source src (as
// jennifer renders it: one block, no comments) into the groups goimports
// -local would write and the project's own files use: the standard
// library, then other modules (gonum), then mafc's packages, each sorted by
// path and separated by a blank line. The result still needs gofmt.
func groupImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var decl *ast.GenDecl
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			if decl != nil {
				return nil, fmt.Errorf("emit: more than one import declaration")
			}
			decl = g
		}
	}
	if decl == nil {
		return src, nil
	}
	var groups [3][]string
	for _, s := range decl.Specs {
		is := s.(*ast.ImportSpec)
		path := strings.Trim(is.Path.Value, `"`)
		line := is.Path.Value
		if is.Name != nil {
			line = is.Name.Name + " " + line
		}
		groups[importGroup(path)] = append(groups[importGroup(path)], line)
	}
	var b bytes.Buffer
	b.WriteString("import (\n")
	sep := ""
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		slices.SortFunc(g, func(x, y string) int { return strings.Compare(importPath(x), importPath(y)) })
		b.WriteString(sep)
		for _, line := range g {
			b.WriteString("\t" + line + "\n")
		}
		sep = "\n"
	}
	b.WriteString(")")
	start, end := fset.Position(decl.Pos()).Offset, fset.Position(decl.End()).Offset
	return slices.Concat(src[:start], b.Bytes(), src[end:]), nil
}

// importGroup returns 0 for the standard library (no dot in the first
// path element), 2 for mafc's packages and 1 for every other module.
func importGroup(path string) int {
	switch {
	case path == modulePath || strings.HasPrefix(path, modulePath+"/"):
		return 2
	case !strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
		return 0
	}
	return 1
}

// importPath returns the quoted path of an import line (after any name).
func importPath(line string) string {
	return line[strings.IndexByte(line, '"'):]
}
