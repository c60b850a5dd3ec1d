package codegen_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
)

// funcRE splits generated source into its methods on *Model.
var funcRE = regexp.MustCompile(`(?m)^func \(m \*Model\) (\w+)\(`)

// TestDirectGatherOnce: the reverse sweeps of ising16_cnn's direct
// (tap-orbit) convolution gather each cotangent row block once: the kernel
// gradient reads the Z̄ that the input's cotangent product just used
// instead of gathering it again, and nothing writes w.cols in between.
func TestDirectGatherOnce(t *testing.T) {
	const spec = "../testdata/ising16_cnn.maf"
	src, err := os.ReadFile(spec)
	require.NoError(t, err)
	p, err := dsl.Compile(spec, src)
	require.NoError(t, err)
	files, err := codegen.Generate(p, codegen.Options{})
	require.NoError(t, err)
	code := string(files[0].Data)
	locs := funcRE.FindAllStringSubmatchIndex(code, -1)
	bodies := map[string]string{}
	for i, l := range locs {
		end := len(code)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		bodies[code[l[2]:l[3]]] = code[l[0]:end]
	}
	for _, fn := range []string{"bwdReverse", "bwdHutchRev"} {
		body, ok := bodies[fn]
		require.True(t, ok, "no %s in the generated code", fn)
		require.Equal(t, 1, strings.Count(body, "kern.DirectGather("), "%s: gathers of the 3×3 convolution's cotangent", fn)
		require.Contains(t, body, "w.cols still holds")
		// The reused Z̄ is the one the kernel gradient's product reads.
		gather := strings.Index(body, "kern.DirectGather(")
		fold := strings.Index(body, "kern.DirectFold(")
		require.Less(t, gather, fold)
		require.NotContains(t, body[gather:fold], "kern.Im2Col(", "%s: w.cols rewritten between the gather and its reuse", fn)
	}
}
