package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/train/ckpt"
)

// TestSetOverrides: -set changes a spec setting for one command, checked
// like the spec, without rebuilding a bundled model's kernels.
func TestSetOverrides(t *testing.T) {
	t.Setenv("MAFC_CACHE", t.TempDir())
	dir := t.TempDir()
	code, stdout, stderr := mafc(t, "train", "-set", "train.objective.T=2.5", "--set=flow.steps=5", "-o", dir, "-steps", "1",
		"-batch", "8", "-eval-samples", "8", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "settings from the command line: train.objective.T=2.5, flow.steps=5")
	require.Contains(t, stdout, "rk4 5×0.1")
	require.Contains(t, stdout, "T = 2.500000")
	require.NotContains(t, stderr, "first use only", "settings keep the bundled kernels")

	// Recorded in the report and the checkpoint.
	var rep struct {
		Overrides []string `json:"overrides"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Equal(t, []string{"train.objective.T=2.5", "flow.steps=5"}, rep.Overrides)
	st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
	require.NoError(t, err)
	require.JSONEq(t, `["train.objective.T=2.5","flow.steps=5"]`, string(st.Blobs["overrides"]))

	// Resuming with other values is refused unless -override; the same
	// values resume.
	code, _, stderr = mafc(t, "train", "-set", "train.objective.T=2.6", "-set", "flow.steps=5", "-o", dir, "-steps", "2",
		"-batch", "8", "-eval-samples", "8", "-progress", "lines")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "would change the run")
	require.Contains(t, stderr, "T=2.5")
	require.Contains(t, stderr, "T=2.6")
	code, _, stderr = mafc(t, "train", "-o", dir, "-steps", "2", "-batch", "8", "-eval-samples", "8", "-progress", "lines")
	require.Equal(t, 1, code, "resuming without the overrides changes the run: %s", stderr)
	code, _, stderr = mafc(t, "train", "-set", "train.objective.T=2.5", "-set", "flow.steps=5", "-o", dir, "-steps", "2",
		"-batch", "8", "-eval-samples", "8", "-progress", "lines")
	require.Equal(t, 0, code, stderr)

	code, _, stderr = mafc(t, "train", "-set", "train.objective.T=0", "-set", "flow.bogus=1", "-o", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "-set train.objective.T=0: temperature must be")
	require.Contains(t, stderr, `-set flow.bogus=1: unknown flow setting "bogus"`)
	code, _, stderr = mafc(t, "train", "-set")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "-set needs PATH=VALUE")
	code, _, stderr = mafc(t, "eval", "-set", "nodots=1")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "name a block and a setting")
}
