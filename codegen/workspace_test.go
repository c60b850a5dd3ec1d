package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
)

// makeRE matches a workspace allocation in the generated NewWorkspaceChunks.
var makeRE = regexp.MustCompile(`(?m)^\s*w\.(\w+) = make\(\[\]float(?:32|64), (.+)\)$`)

// TestWorkspaceLayoutIsPrinted: for every bundled spec, the workspace the
// generated code allocates is the plan's layout, buffer for buffer and
// length for length (evaluated at chunks c = 3 and cv = 7), so that the
// plan's memory estimate is the generated code's.
func TestWorkspaceLayoutIsPrinted(t *testing.T) {
	specs, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	const c, cv = 3, 7
	for _, spec := range specs {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			src, err := os.ReadFile(spec)
			require.NoError(t, err)
			p, err := dsl.Compile(spec, src)
			require.NoError(t, err)
			files, err := codegen.Generate(p, codegen.Options{})
			require.NoError(t, err)
			vars := map[string]int{"c": c, "cv": cv, "NumParams": p.NumParams()}
			got := map[string]int{}
			var order []string
			for _, m := range makeRE.FindAllStringSubmatch(string(files[0].Data), -1) {
				if strings.HasPrefix(m[1], "time") {
					continue // the time map's state (not part of the layout)
				}
				got[m[1]] = evalInt(t, m[2], vars)
				order = append(order, m[1])
			}
			pm := codegen.Plan(p, codegen.Options{})
			var want []string
			for _, b := range pm.Workspace.Buffers {
				if strings.HasPrefix(b.Name, "time") || strings.HasSuffix(b.Name, "Geom") {
					continue // no make of reals: generated/memory_test.go checks these by their bytes
				}
				want = append(want, b.Name)
				require.Equal(t, got[b.Name], b.Reals(c, cv), "buffer %s", b.Name)
			}
			require.Equal(t, order, want, "the generated buffers, in order")
		})
	}
}

// evalInt evaluates an integer Go expression of literals, vars, +, * and
// max.
func evalInt(t *testing.T, src string, vars map[string]int) int {
	t.Helper()
	e, err := parser.ParseExpr(src)
	require.NoError(t, err, src)
	var eval func(ast.Expr) int
	eval = func(e ast.Expr) int {
		switch e := e.(type) {
		case *ast.BasicLit:
			v, err := strconv.Atoi(e.Value)
			require.NoError(t, err)
			return v
		case *ast.Ident:
			v, ok := vars[e.Name]
			require.True(t, ok, "unknown name %s in %s", e.Name, src)
			return v
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.BinaryExpr:
			switch e.Op {
			case token.MUL:
				return eval(e.X) * eval(e.Y)
			case token.ADD:
				return eval(e.X) + eval(e.Y)
			}
		case *ast.CallExpr:
			if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "max" {
				m := eval(e.Args[0])
				for _, a := range e.Args[1:] {
					m = max(m, eval(a))
				}
				return m
			}
		}
		t.Fatalf("cannot evaluate %s", src)
		return 0
	}
	return eval(e)
}
