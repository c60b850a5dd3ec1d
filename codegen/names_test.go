package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
)

// producible reports whether a node could get the Go identifier x through
// one of ir.GoIdents' patterns (with the bare stem when bare is true).
func producible(x string, bare bool) bool {
	stem := func(s string) bool { return s != "" && ir.GoName(s) == s }
	for _, suf := range ir.GoSuffixes {
		if (suf != "" || bare) && strings.HasSuffix(x, suf) && stem(strings.TrimSuffix(x, suf)) {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(x, "size"); ok && rest != "" && rest == ir.Exported(rest) {
		return true
	}
	for _, pre := range []string{"g", "off"} {
		if rest, ok := strings.CutPrefix(x, pre); ok && len(rest) > 1 && rest == ir.Exported(rest) && (strings.HasSuffix(rest, "W") || strings.HasSuffix(rest, "B")) {
			return true
		}
	}
	return false
}

// TestFixedNamesReserved checks, on the packages of the repository's
// specs, that the fields and methods the emitter gives Workspace and Model
// itself cannot also come from a node: such a name must be reserved
// (ir.IsReservedGoName), or a node named after it would declare a
// duplicate field or a field and method of the same name. Workspace's
// fields include the bare stems; Model's only stems with a suffix.
func TestFixedNamesReserved(t *testing.T) {
	specs, err := filepath.Glob("../testdata/*.maf")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no specs: %v", err)
	}
	for _, spec := range specs {
		src, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		p, err := dsl.Compile(spec, src)
		if err != nil {
			t.Fatal(err)
		}
		files, err := codegen.Generate(p, codegen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		stems, _ := ir.GoNames(p.Nodes)
		derived := map[string]bool{}
		for _, s := range stems {
			for _, id := range ir.GoIdents(s) {
				derived[id] = true
			}
		}
		f, err := parser.ParseFile(token.NewFileSet(), files[0].Name, files[0].Data, 0)
		if err != nil {
			t.Fatal(err)
		}
		members := map[string][]string{} // type → fixed fields and methods
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							if !derived[n.Name] {
								members[ts.Name.Name] = append(members[ts.Name.Name], n.Name)
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil {
					continue
				}
				typ := d.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				name := typ.(*ast.Ident).Name
				members[name] = append(members[name], d.Name.Name)
			}
		}
		if len(members["Workspace"]) == 0 || len(members["Model"]) == 0 {
			t.Fatalf("%s: no Workspace or Model members found", spec)
		}
		for typ, bare := range map[string]bool{"Workspace": true, "Model": false} {
			for _, m := range members[typ] {
				if producible(m, bare) && !ir.IsReservedGoName(m) {
					t.Errorf("%s: %s.%s can also come from a node: reserve it in ir", spec, typ, m)
				}
			}
		}
	}
}
