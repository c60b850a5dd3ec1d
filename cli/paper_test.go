package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mafc-dev/mafc/cli/figures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPaperCurve checks the paper's curve as the NLL figure draws it: the
// log's epoch k at k + 1 epochs of training, its test NLL, every epoch.
func TestPaperCurve(t *testing.T) {
	log := paperLog()
	require.Len(t, log, 548, "rows of the embedded log (epochs 0…547)")
	s := paperCurve(log)
	require.Len(t, s.X, len(log))
	require.Len(t, s.Y, len(log))
	for i, x := range s.X {
		if x != float64(i+1) {
			t.Fatalf("paperCurve: point %d at epoch %v, want %d (the log's epoch %d is after %d epochs of training)", i, x, i+1, i, i+1)
		}
	}
	// The numbers the issue and the text output quote, at their epochs of training.
	for _, c := range []struct {
		trained float64
		nll     float64
	}{{1, 1447.7}, {2, 1412.6}, {3, 1404.2}, {11, 1370.6}, {101, 1273.2}} {
		assert.InDelta(t, c.nll, s.Y[int(c.trained)-1], 0.05, "paper's test NLL after %v epochs", c.trained)
	}
	assert.InDelta(t, 1454.152944, log[0].Valid, 0, "valid NLL of the log's epoch 0")
	assert.InDelta(t, 1452.164617, log[0].Train, 0, "train NLL of the log's epoch 0")
}

func TestParsePaperLogErrors(t *testing.T) {
	for _, src := range []string{
		"",
		"epoch,nll\n0,1\n",
		"epoch,train_nll,valid_nll,test_nll\n",
		"epoch,train_nll,valid_nll,test_nll\n0,1,2,x\n",
		"epoch,train_nll,valid_nll,test_nll\n1,1,2,3\n",
		"epoch,train_nll,valid_nll,test_nll\n0,1,2\n",
	} {
		_, err := parsePaperLog(src)
		assert.Error(t, err, "parsePaperLog(%q)", src)
	}
	l, err := parsePaperLog("epoch,train_nll,valid_nll,test_nll\n0,3,2,1\n1,6,5,4\n")
	require.NoError(t, err)
	assert.Equal(t, []paperEpoch{{0, 3, 2, 1}, {1, 6, 5, 4}}, l)
}

// TestPaperCurveDrawn checks that the figure draws the paper's curve: a
// change in its data changes the PNG.
func TestPaperCurveDrawn(t *testing.T) {
	run := figures.Series{X: []float64{0.5, 1, 2, 3}, Y: []float64{1600, 1450, 1415, 1405}}
	draw := func(paper figures.Series) []byte {
		p := filepath.Join(t.TempDir(), "nll.png")
		require.NoError(t, figures.NLLCurves(p, figures.NLLData{Test: run, Baselines: mnistBaselines, Paper: paper}))
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return b
	}
	c := paperCurve(paperLog())
	a := draw(c)
	assert.Equal(t, a, draw(paperCurve(paperLog())), "the same data drawn twice")
	moved := paperCurve(paperLog())
	moved.Y[1] += 20 // the paper's point after two epochs, inside the run's range
	assert.False(t, bytes.Equal(a, draw(moved)), "NLLCurves did not change when the paper's curve did")
}
