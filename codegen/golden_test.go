package codegen_test

import (
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/internal/golden"
	"github.com/mafc-dev/mafc/ir"
)

// TestGolden generates every codegen/testdata/<case>.maf and compares the
// model file with <case>.go.golden and the IR dump with <case>.ir.golden
// (go test ./codegen -update rewrites them). It also checks that the output
// is gofmt-clean and parses.
func TestGolden(t *testing.T) {
	eachSpec(t, "testdata/*.maf", func(t *testing.T, name string, p *ir.Program) {
		files, err := codegen.Generate(p, codegen.Options{})
		require.NoError(t, err)
		require.Len(t, files, 2)
		gen := files[0].Data
		formatted, err := format.Source(gen)
		require.NoError(t, err)
		require.Equal(t, string(formatted), string(gen), "generated code is not gofmt-clean")
		_, err = parser.ParseFile(token.NewFileSet(), files[0].Name, gen, parser.ParseComments)
		require.NoError(t, err)
		golden.Check(t, filepath.Join("testdata", name+".go.golden"), gen)
		golden.Check(t, filepath.Join("testdata", name+".ir.golden"), []byte(p.Dump()))
	})
}

// eachSpec compiles every spec matching pattern and runs f on it in a
// subtest named after the spec.
func eachSpec(t *testing.T, pattern string, f func(t *testing.T, name string, p *ir.Program)) {
	specs, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, specs)
	for _, spec := range specs {
		name := strings.TrimSuffix(filepath.Base(spec), ".maf")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(spec)
			require.NoError(t, err)
			p, err := dsl.Compile(spec, src)
			require.NoError(t, err)
			f(t, name, p)
		})
	}
}
