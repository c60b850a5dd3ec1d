package codegen_test

import (
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
)

var update = flag.Bool("update", false, "update golden files")

// TestGolden generates every codegen/testdata/<case>.maf and compares the
// model file with <case>.go.golden and the IR dump with <case>.ir.golden
// (go test ./codegen -update rewrites them). It also checks that the output
// is gofmt-clean and parses.
func TestGolden(t *testing.T) {
	specs, err := filepath.Glob("testdata/*.maf")
	require.NoError(t, err)
	require.NotEmpty(t, specs)
	for _, spec := range specs {
		name := strings.TrimSuffix(filepath.Base(spec), ".maf")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(spec)
			require.NoError(t, err)
			p, err := dsl.Compile(spec, src)
			require.NoError(t, err)
			files, err := codegen.Generate(p, codegen.Options{})
			require.NoError(t, err)
			require.Len(t, files, 2)
			gen := files[0].Data
			formatted, err := format.Source(gen)
			require.NoError(t, err)
			require.Equal(t, string(formatted), string(gen), "generated code is not gofmt-clean")
			_, err = parser.ParseFile(token.NewFileSet(), files[0].Name, gen, parser.ParseComments)
			require.NoError(t, err)
			checkGolden(t, filepath.Join("testdata", name+".go.golden"), gen)
			checkGolden(t, filepath.Join("testdata", name+".ir.golden"), []byte(p.Dump()))
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./codegen -update to create %s", path)
	assert.Equal(t, string(want), string(got), "%s is stale (go test ./codegen -update)", path)
}
