package codegen_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/internal/golden"
	"github.com/mafc-dev/mafc/ir"
)

// TestPlanGolden compares the plan dump (mafc gen -dump=plan) of every
// bundled spec, testdata/*.maf, with testdata/plan/<spec>.plan.golden
// (go test ./codegen -update rewrites them), and checks that the dump is
// the same when built twice.
func TestPlanGolden(t *testing.T) {
	eachSpec(t, "../testdata/*.maf", func(t *testing.T, name string, p *ir.Program) {
		got := codegen.Plan(p, codegen.Options{}).Dump()
		require.Equal(t, got, codegen.Plan(p, codegen.Options{}).Dump(), "the dump is not deterministic")
		require.NotContains(t, got, "testdata", "the dump names a path")
		golden.Check(t, filepath.Join("testdata", "plan", name+".plan.golden"), []byte(got))
	})
}
