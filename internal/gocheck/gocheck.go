// Package gocheck inspects generated Go source for what a hostile spec
// could smuggle into it: directives, build constraints, block comments,
// invisible characters and extra declarations. mafc's code-generation tests
// and fuzz targets use it; it is no public API.
package gocheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"unicode"
	"unicode/utf8"
)

// directive matches a comment that a Go tool acts on: //go:generate and
// every other //word: directive, //line, //export, //extern, and build
// constraints (//go:build, // +build, also after more spaces or a tab).
var directive = regexp.MustCompile(`^//([a-z0-9]+:|line |export |extern |\s*\+build|\s*go:build)`)

// IsDirective reports whether the comment text c (with its // or /*) is a
// directive or a build constraint.
func IsDirective(c string) bool { return directive.MatchString(c) }

// Audit parses the Go file src and checks that it carries nothing a spec
// could have injected: every comment is a // line comment (no /* */) and
// none is a directive or build constraint, and the file holds no control
// character other than tab and newline, no Unicode format character (such
// as a bidirectional override) and no line or paragraph separator. It
// returns the parsed file.
func Audit(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return nil, fmt.Errorf("%s: invalid UTF-8 at byte %d", filename, i)
		case r == '\t' || r == '\n':
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029:
			return nil, fmt.Errorf("%s: character %U at byte %d", filename, r, i)
		}
		i += n
	}
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, g := range f.Comments {
		for _, c := range g.List {
			switch {
			case len(c.Text) >= 2 && c.Text[:2] == "/*":
				return nil, fmt.Errorf("%s: block comment %q", fset.Position(c.Pos()), c.Text)
			case IsDirective(c.Text):
				return nil, fmt.Errorf("%s: directive %q", fset.Position(c.Pos()), c.Text)
			}
		}
	}
	return f, nil
}

// Decls returns the names of the top-level declarations of f, sorted:
// functions, types, constants and variables by name ("_" once), methods as
// Type.Name.
func Decls(f *ast.File) []string {
	set := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			n := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				t := d.Recv.List[0].Type
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				if id, ok := t.(*ast.Ident); ok {
					n = id.Name + "." + n
				}
			}
			set[n] = true
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, id := range s.Names {
						set[id.Name] = true
					}
				case *ast.TypeSpec:
					set[s.Name.Name] = true
				case *ast.ImportSpec:
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
