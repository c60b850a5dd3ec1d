package cli

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDensityNLLBatchInvariant checks that an image's −ln p does not
// depend on the batch it is integrated in or on the number of workers:
// evaluated alone, with others in one evalChunk batch, in the short last
// batch of a set, and over 1 or 2 workers. Every product of the hidden-space
// integrator computes each output row from its own input row alone, in an
// order set by the product's depth and width (never by its rows), except
// gonum's matrix-vector path for products of few rows (runtime/gemm
// dgemmRows, m ≤ dgemmRowsMaxM, which the packed H×H products never take):
// the input and output products of a lone image go through it, so alone the
// value may differ by rounding, bounded here by 1e-12 relative.
func TestDensityNLLBatchInvariant(t *testing.T) {
	pot := mnist.New()
	p := *pot.Program()
	p.Flow.Steps = 2 // the batching, not the flow, is under test
	require.Equal(t, evalChunkHidden, evalChunk(&p), "the MNIST potential is evaluated in the hidden space")
	D := mnist.Dim
	n := evalChunkHidden + 9
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, n*D)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	ctx := context.Background()
	one, err := densityNLL(ctx, nil, pot, &p, x, 1)
	require.NoError(t, err)
	two, err := densityNLL(ctx, nil, pot, &p, x, 2)
	require.NoError(t, err)
	assert.Equal(t, one, two, "densityNLL with 1 and 2 workers")
	for _, i := range []int{0, 7, evalChunkHidden - 1, evalChunkHidden, n - 1} {
		xi := x[i*D : (i+1)*D]
		alone, err := densityNLL(ctx, nil, pot, &p, xi, 1)
		require.NoError(t, err)
		assert.InEpsilon(t, one[i], alone[0], 1e-12, "image %d alone and in a batch", i)
		// Among 8 others (a batch past the few-row path): exactly the same.
		y := append(append([]float64(nil), x[(n-8)*D:]...), xi...)
		if i >= n-8 {
			y = x[(n-9)*D:]
		}
		few, err := densityNLL(ctx, nil, pot, &p, y, 1)
		require.NoError(t, err)
		j := 8
		if i >= n-8 {
			j = i - (n - 9)
		}
		assert.Equal(t, one[i], few[j], "image %d in a batch of 9 and of %d", i, evalChunkHidden)
	}
}

func TestMNISTSplits(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  string
	}{
		{"", []string{"test"}, ""},
		{"valid", []string{"valid"}, ""},
		{"test,valid", []string{"test", "valid"}, ""},
		{"train, validation,test", []string{"train", "valid", "test"}, ""},
		{"test,test", nil, `-split: "test" given twice`},
		{"test,", nil, `unknown split ""`},
		{"tests", nil, `unknown split "tests"`},
	} {
		got, err := mnistSplits(c.in)
		if c.err != "" {
			require.Error(t, err, "mnistSplits(%q)", c.in)
			assert.Contains(t, err.Error(), c.err, "mnistSplits(%q)", c.in)
			continue
		}
		require.NoError(t, err, "mnistSplits(%q)", c.in)
		assert.Equal(t, c.want, got, "mnistSplits(%q)", c.in)
	}
	_, err := checkpointList("a.ckpt,,b")
	assert.ErrorContains(t, err, "-ckpt: empty entry")
	l, err := checkpointList("a.ckpt,dir")
	require.NoError(t, err)
	assert.Equal(t, []string{"a.ckpt", "dir"}, l)
	assert.Equal(t, 10000+50000, mnistEvalImages([]string{"test", "train"}, 0))
	assert.Equal(t, 200, mnistEvalImages([]string{"test", "valid"}, 100))
}

// TestEvalTable checks the per-checkpoint table: a header and one line per
// checkpoint with its epoch, step, NLL ± se per split, seconds.
func TestEvalTable(t *testing.T) {
	rep := &EvalReport{Checkpoints: []CheckpointEval{
		{Checkpoint: "e1.ckpt", Step: 500, Epoch: 1, Seconds: 41, NLL: []*NLLResult{{Split: "test", NLL: 1449.13, SE: 1.35}, {Split: "valid", NLL: 1455.2, SE: 1.3}}},
		{Checkpoint: "e2.ckpt", Step: 1000, Epoch: 2, Seconds: 40, NLL: []*NLLResult{{Split: "test", NLL: 1412.6, SE: 1.2}, {Split: "valid", NLL: 1417.4, SE: 1.25}}},
	}}
	var b strings.Builder
	printEvalTable(&b, rep, []string{"test", "valid"})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	require.Len(t, lines, 3, b.String())
	assert.Equal(t, []string{"epoch", "step", "test", "NLL", "±", "se", "valid", "NLL", "±", "se", "seconds", "checkpoint"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{"1.000", "500", "1449.13", "±", "1.35", "1455.20", "±", "1.30", "41", "e1.ckpt"}, strings.Fields(lines[1]))
	assert.Equal(t, []string{"2.000", "1000", "1412.60", "±", "1.20", "1417.40", "±", "1.25", "40", "e2.ckpt"}, strings.Fields(lines[2]))
}
