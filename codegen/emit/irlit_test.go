package emit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
)

// hostileDoc holds runes a Go raw string cannot carry or should not show
// raw: a backquote, a carriage return, NUL, the byte order mark, NEL, a line
// separator, a tag character outside the BMP, invalid UTF-8. The checker
// rejects most of them in a spec; the emitter must not rely on it.
const hostileDoc = "raw ` quote\r cr \x00 nul \ufeff bom \u0085 nel \u2028 ls \U000e0001 tag \xff bad */"

// TestEmbeddedIRReadable checks that the embedded IR is a multi-line raw
// string (one JSON field per line, so a spec change gives a line diff) that
// decodes to the same program as the compact encoding (ir.Program.Encode)
// of the program the package was generated from, also when the spec's doc
// comments hold runes a raw string cannot carry.
func TestEmbeddedIRReadable(t *testing.T) {
	specs, err := filepath.Glob("../../testdata/*.maf")
	require.NoError(t, err)
	more, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	progs := map[string]*ir.Program{}
	for _, spec := range append(specs, more...) {
		src, err := os.ReadFile(spec)
		require.NoError(t, err)
		p, err := dsl.Compile(filepath.Base(spec), src)
		require.NoError(t, err, spec)
		progs[filepath.Base(spec)] = p
	}
	require.NotEmpty(t, progs)
	p, err := dsl.Compile("hostile.maf", []byte("model m\ninput x: vector(3)\npotential {\n    h = tanh(dense(x, 2))\n    phi = dense(h, 1)\n}\n"))
	require.NoError(t, err)
	p.Doc, p.Nodes[1].Doc = hostileDoc, hostileDoc
	progs["hostile"] = p

	for name, p := range progs {
		t.Run(name, func(t *testing.T) {
			src, err := File(p, Options{})
			require.NoError(t, err)
			f, err := parser.ParseFile(token.NewFileSet(), name+".go", src, 0)
			require.NoError(t, err)
			var lit *ast.BasicLit
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok && vs.Names[0].Name == "irJSON" {
					lit = vs.Values[0].(*ast.BasicLit)
				}
				return lit == nil
			})
			require.NotNil(t, lit, "no irJSON constant")
			require.True(t, strings.HasPrefix(lit.Value, "`"), "irJSON is not a raw string literal")
			lines := strings.Count(lit.Value, "\n")
			require.GreaterOrEqual(t, lines, 4*len(p.Nodes), "irJSON has %d lines for %d nodes: not one field per line", lines, len(p.Nodes))
			for _, r := range lit.Value {
				if r != '\n' && r != '\t' && !strconv.IsPrint(r) || r == '\uFEFF' {
					t.Fatalf("irJSON holds the rune %U raw", r)
				}
			}
			js, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			got, err := ir.Decode([]byte(js))
			require.NoError(t, err)
			gotJS, err := got.Encode()
			require.NoError(t, err)
			compact, err := p.Encode()
			require.NoError(t, err)
			want, err := ir.Decode(compact)
			require.NoError(t, err)
			wantJS, err := want.Encode()
			require.NoError(t, err)
			if string(gotJS) != string(wantJS) {
				t.Errorf("the embedded IR decodes to\n%s\nwant\n%s", gotJS, wantJS)
			}
		})
	}
}
