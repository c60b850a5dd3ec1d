package generated_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
)

var genLine = regexp.MustCompile(`//go:generate go run -tags mafcgen \.\./\.\./cmd/mafc gen (.*)-o \. (\S+\.maf)`)

// TestGeneratedUpToDate regenerates every package under generated/ in
// memory from its spec and compares it byte for byte with the checked-in
// files. Fix a failure with: go generate ./generated/...
func TestGeneratedUpToDate(t *testing.T) {
	dirs, err := filepath.Glob("*/gen.go")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	specs := map[string]bool{}
	for _, g := range dirs {
		dir := filepath.Dir(g)
		if dir == "tmp" {
			continue
		}
		t.Run(dir, func(t *testing.T) {
			src, err := os.ReadFile(g)
			require.NoError(t, err)
			m := genLine.FindSubmatch(src)
			require.NotNil(t, m, "%s has no go:generate line of the expected form", g)
			spec := filepath.Join(dir, string(m[2]))
			opt := codegen.Options{}
			for _, f := range strings.Fields(string(m[1])) {
				switch {
				case f == "-jacobian=dense":
					opt.Dense = true
				case strings.HasPrefix(f, "-pkg"):
				case f == filepath.Base(dir):
					opt.Package = f
				default:
					t.Fatalf("%s: unexpected generate flag %q", g, f)
				}
			}
			specs[filepath.Clean(spec)] = true
			text, err := os.ReadFile(spec)
			require.NoError(t, err)
			p, err := dsl.Compile(spec, text)
			require.NoError(t, err)
			files, err := codegen.Generate(p, opt)
			require.NoError(t, err)
			for _, f := range files {
				old, err := os.ReadFile(filepath.Join(dir, f.Name))
				require.NoError(t, err, "missing generated file; run go generate ./generated/...")
				if !bytes.Equal(old, f.Data) {
					t.Errorf("%s is stale: run go generate ./generated/...", filepath.Join(dir, f.Name))
				}
			}
		})
	}
	// Every bundled spec has its package.
	all, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	for _, s := range all {
		require.True(t, specs[filepath.Clean(s)], "bundled spec %s has no generated package under generated/", s)
	}
}
