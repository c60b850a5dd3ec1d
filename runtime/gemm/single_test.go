package gemm

import (
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/golden"
	"github.com/mafc-dev/mafc/runtime/gemm/internal/single"
)

// TestSingleUpToDate checks that every float32 file is what gen_single.go
// writes from its float64 source. Fix a failure with: go generate
// ./runtime/gemm (after editing the float64 file, never the float32 one).
func TestSingleUpToDate(t *testing.T) {
	var srcs []string
	for src := range single.Files {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		dst := single.Files[src]
		text, err := os.ReadFile(src)
		require.NoError(t, err)
		got, err := single.Convert(src, text)
		require.NoError(t, err, "converting %s", src)
		have, err := os.ReadFile(dst)
		require.NoError(t, err, "missing generated file; run go generate ./runtime/gemm")
		if d := golden.Diff(dst, "gen_single.go", have, got); d != "" {
			t.Errorf("%s is stale: edit %s and run go generate ./runtime/gemm\n%s", dst, src, d)
		}
	}
}
