package codegen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/internal/golden"
)

// TestPlanGolden compares the plan dump (mafc gen -dump=plan) of every
// bundled spec, testdata/*.maf, with testdata/plan/<spec>.plan.golden
// (go test ./codegen -update rewrites them), and checks that the dump is
// the same when built twice.
func TestPlanGolden(t *testing.T) {
	specs, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	require.NotEmpty(t, specs)
	for _, spec := range specs {
		name := strings.TrimSuffix(filepath.Base(spec), ".maf")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(spec)
			require.NoError(t, err)
			p, err := dsl.Compile(spec, src)
			require.NoError(t, err)
			got := codegen.Plan(p, codegen.Options{}).Dump()
			require.Equal(t, got, codegen.Plan(p, codegen.Options{}).Dump(), "the dump is not deterministic")
			require.NotContains(t, got, "testdata", "the dump names a path")
			golden.Check(t, filepath.Join("testdata", "plan", name+".plan.golden"), []byte(got))
		})
	}
}
