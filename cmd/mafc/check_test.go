package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen/plan"
)

// TestCheckExplainsStrategies checks that mafc check -v explains every
// Jacobian strategy word it prints, and only those.
func TestCheckExplainsStrategies(t *testing.T) {
	code, out, stderr := mafc(t, "check", "-v", "../../testdata/narrow.maf", "../../testdata/cnn16.maf", "../../testdata/ising16_cnn.maf")
	require.Equal(t, 0, code, stderr)
	for _, w := range []string{"shared", "scaled", "rows", "gram", "conv-shared", "conv-scaled", "shifted-kernel", "orbit-factored", "none"} {
		assert.Regexp(t, `(?m)^    `+w+` +\S`, out, "mafc check -v explains %q", w)
	}
	narrow, _, _ := strings.Cut(out, "cnn16.maf")
	assert.NotContains(t, narrow, "orbit-factored:", "only the words a model uses are explained")
	cnn16, _, _ := strings.Cut(out, "ising16_cnn.maf")
	assert.NotContains(t, cnn16, "orbit-factored:", "cnn16 keeps the shifted-kernel GEMM")
	for k := plan.None; k <= plan.Factored; k++ {
		assert.NotEmpty(t, strategyDoc[k], "strategyDoc has no line for %q", k)
	}
}
