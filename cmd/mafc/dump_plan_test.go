package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenDumpPlan: mafc gen -dump=plan prints the golden plan of the spec
// (codegen/testdata/plan), and -jacobian selects the baseline plans.
func TestGenDumpPlan(t *testing.T) {
	code, out, stderr := mafc(t, "gen", "-dump=plan", "../../testdata/ising16_cnn.maf")
	require.Equal(t, 0, code, stderr)
	want, err := os.ReadFile("../../codegen/testdata/plan/ising16_cnn.plan.golden")
	require.NoError(t, err)
	require.Equal(t, string(want), out)
	code, out, stderr = mafc(t, "gen", "-dump=plan", "-jacobian=rf", "../../testdata/ising16_cnn.maf")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "h2.conv        conv   grid(16x16x16)   receptive-field")
	require.NotContains(t, out, "shifted-kernel")
	require.NotContains(t, out, "orbit-factored")
	code, out, stderr = mafc(t, "gen", "-dump=plan", "-jacobian=shift", "../../testdata/ising16_cnn.maf")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "h2.conv        conv   grid(16x16x16)   shifted-kernel")
	require.NotContains(t, out, "orbit-factored")
	code, _, stderr = mafc(t, "gen", "-dump=plans", "../../testdata/ising16_cnn.maf")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown -dump "plans" (want ir or plan)`)
}
