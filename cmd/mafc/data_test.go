package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// writeCSV writes n random points of dimension d (with a header line).
func writeCSV(t *testing.T, path string, n, d int, seed uint64) []float64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for j := 0; j < d; j++ {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "x%d", j)
	}
	b.WriteByte('\n')
	var x []float64
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			v := 0.5 * rng.NormFloat64()
			x = append(x, v)
			fmt.Fprintf(&b, "%.17g", v)
		}
		b.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return x
}

// ownSpec is testdata/ising8.maf (the bundled 8×8 model's kernels) trained
// on a data file instead, without its temperature anneal (which only a
// variational objective takes).
func ownSpec(t *testing.T, path, objective string) {
	t.Helper()
	src, err := os.ReadFile("../../testdata/ising8.maf")
	require.NoError(t, err)
	s := strings.Replace(string(src), "objective = variational(ising(L = 8, T = critical))", "objective = "+objective, 1)
	require.NotEqual(t, string(src), s)
	s = regexp.MustCompile(`(?m)^\s*anneal = .*\n`).ReplaceAllString(s, "")
	require.NotContains(t, s, "anneal")
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
}

// report reads report.json.
func report(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var r map[string]any
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

// TestOwnData trains the bundled 8×8 model on a CSV file named in a spec
// (relative to the spec's directory), evaluates it with mafc eval, and
// evaluates another file with -data.
func TestOwnData(t *testing.T) {
	base := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(base, "specs"), 0o755))
	writeCSV(t, filepath.Join(base, "pts.csv"), 40, 64, 1)
	spec := filepath.Join(base, "specs", "own.maf")
	ownSpec(t, spec, `likelihood(file = "../pts.csv", validation = 0.25)`)
	out := filepath.Join(base, "run")
	code, stdout, stderr := mafc(t, "train", spec, "-o", out, "-steps", "3", "-batch", "8", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "NLL on 30 training points of "+filepath.Join(base, "pts.csv"))
	assert.Contains(t, stdout, "NLL on 10 validation points")
	assert.Contains(t, stderr, "validation NLL", "the validation NLL during training")
	require.FileExists(t, filepath.Join(out, "figure.png"), "every objective gets a figure")

	r := report(t, out)
	for _, k := range []string{"model", "hash", "objective", "data", "parameters", "integrator", "flow_steps", "dt", "batch", "steps",
		"workers", "shards", "laplacian", "blas", "last_loss", "last_loss_se", "evals", "nll", "figures"} {
		assert.Contains(t, r, k, "report.json key")
	}
	assert.Equal(t, 8320.0, r["parameters"])
	nll := r["nll"].([]any)
	require.Len(t, nll, 2)
	valid := nll[1].(map[string]any)
	assert.Equal(t, "valid", valid["split"])
	assert.Equal(t, 10.0, valid["n"])

	// mafc eval: the validation points by default, ln p of each to -o.
	lp := filepath.Join(base, "lp.npy")
	code, stdout, stderr = mafc(t, "eval", spec, "-ckpt", out, "-o", lp)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "NLL on 10 validation points")
	data, shape, err := npy.ReadFile(lp)
	require.NoError(t, err)
	assert.Equal(t, []int{10}, shape)
	var mean float64
	for _, v := range data {
		mean -= v / float64(len(data))
	}
	assert.InDelta(t, valid["nll"].(float64), mean, 1e-9, "mean −ln p from mafc eval -o against report.json's validation NLL")

	// -data: any file of the input's dimension, for any spec; -o as CSV.
	other := filepath.Join(base, "other.npy")
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, 5*64)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	require.NoError(t, npy.WriteFile(other, x, 5, 64))
	csvOut := filepath.Join(base, "lp.csv")
	code, stdout, stderr = mafc(t, "eval", "../../testdata/ising8.maf", "-ckpt", out, "-data", other, "-o", csvOut)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "NLL on 5 points of "+other)
	b, err := os.ReadFile(csvOut)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 5)
	// The same numbers as the Go API's LogProb.
	f, err := flow.Load(out, ising8.New())
	require.NoError(t, err)
	want, err := f.LogProb(x)
	require.NoError(t, err)
	for i, l := range lines {
		var got float64
		_, err := fmt.Sscan(l, &got)
		require.NoError(t, err)
		assert.InDelta(t, want[i], got, 1e-9*(1+math.Abs(want[i])), "ln p of point %d: mafc eval -data against flow.LogProb", i)
	}

	// mafc train -data replaces the spec's objective, and with it the
	// spec's temperature anneal.
	out2 := filepath.Join(base, "run2")
	code, stdout, stderr = mafc(t, "train", "../../testdata/ising8.maf", "-data", other, "-o", out2, "-steps", "1", "-batch", "4", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "NLL on 5 training points of "+other)
	assert.NotContains(t, stdout, "anneal")
	st, err := ckpt.Load(filepath.Join(out2, ckpt.FileName))
	require.NoError(t, err)
	assert.Contains(t, string(st.Blobs["run"]), `"anneal (spec)":"none"`)
}

// TestSampleMatchesGoAPI checks that mafc sample -seed and flow.Sample
// give the same samples.
func TestSampleMatchesGoAPI(t *testing.T) {
	dir := t.TempDir()
	f, err := flow.New(ising8.New(), flow.Config{})
	require.NoError(t, err)
	ck := filepath.Join(dir, "m.ckpt")
	require.NoError(t, f.Save(ck))
	xs, lps := filepath.Join(dir, "x.npy"), filepath.Join(dir, "lp.npy")
	code, _, stderr := mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", ck, "-n", "3", "-seed", "2", "-o", xs, "-logp", lps)
	require.Equal(t, 0, code, stderr)
	x, _, err := npy.ReadFile(xs)
	require.NoError(t, err)
	lp, _, err := npy.ReadFile(lps)
	require.NoError(t, err)
	wantX, wantLp, err := f.Sample(3, 2)
	require.NoError(t, err)
	assert.InDeltaSlice(t, wantX, x, 1e-12, "x from mafc sample against flow.Sample")
	assert.InDeltaSlice(t, wantLp, lp, 1e-9, "ln p from mafc sample against flow.Sample")
}

func TestOwnDataErrors(t *testing.T) {
	base := t.TempDir()
	ck := filepath.Join(base, "m.ckpt")
	f, err := flow.New(ising8.New(), flow.Config{})
	require.NoError(t, err)
	require.NoError(t, f.Save(ck))
	narrow := filepath.Join(base, "narrow.csv")
	require.NoError(t, os.WriteFile(narrow, []byte("1,2\n3,4\n"), 0o644))
	nan := filepath.Join(base, "nan.csv")
	writeCSV(t, nan, 3, 64, 1)
	b, err := os.ReadFile(nan)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n") // a header, then the points
	lines[3] = "NaN" + lines[3][strings.IndexByte(lines[3], ','):]
	require.NoError(t, os.WriteFile(nan, []byte(strings.Join(lines, "\n")), 0o644))
	missingSpec := filepath.Join(base, "missing.maf")
	ownSpec(t, missingSpec, `likelihood(file = "nope.npy")`)
	fileSpec := filepath.Join(base, "file.maf")
	writeCSV(t, filepath.Join(base, "pts.csv"), 10, 64, 3)
	ownSpec(t, fileSpec, `likelihood(file = "pts.csv")`)
	ising := "../../testdata/ising8.maf"
	cases := []failCase{
		{"dimension", []string{"eval", ising, "-ckpt", ck, "-data", narrow}, 1, narrow + ": points have dimension 2 (2 columns), but the model's input has dimension 64"},
		{"NaN", []string{"eval", ising, "-ckpt", ck, "-data", nan}, 1, nan + `: line 4, column 1: "NaN": every value must be finite`},
		{"missing -data", []string{"eval", ising, "-ckpt", ck, "-data", filepath.Join(base, "nope.csv")}, 1, filepath.Join(base, "nope.csv") + ": no such file"},
		{"format", []string{"eval", ising, "-ckpt", ck, "-data", ck}, 1, `m.ckpt: unknown data format ".ckpt"`},
		{"-o extension", []string{"eval", ising, "-ckpt", ck, "-data", narrow, "-o", "lp.txt"}, 2, `-o "lp.txt": want a .npy or .csv file`},
		{"-o without data", []string{"eval", ising, "-ckpt", ck, "-o", "lp.npy"}, 2, "-o writes ln p of data points: give -data FILE"},
		{"split", []string{"eval", fileSpec, "-ckpt", ck, "-split", "test"}, 2, `unknown split "test" for a data file (want train or valid)`},
		{"split valid without validation", []string{"eval", fileSpec, "-ckpt", ck, "-split", "valid"}, 2, "-split valid: the spec holds no points out"},
		{"spec's file missing", []string{"train", missingSpec, "-o", filepath.Join(base, "r1")}, 1, filepath.Join(base, "nope.npy") + ": no such file"},
		{"train -data missing", []string{"train", ising, "-data", "nope.npy", "-o", filepath.Join(base, "r2")}, 1, "nope.npy: no such file"},
		{"-validation range", []string{"train", ising, "-data", narrow, "-validation", "2", "-o", filepath.Join(base, "r3")}, 2, "-validation must be in [0, 0.9], got 2"},
		{"-validation without data", []string{"train", ising, "-validation", "0.1", "-o", filepath.Join(base, "r4")}, 2, "-validation needs a data file"},
		{"train -data dimension", []string{"train", ising, "-data", narrow, "-o", filepath.Join(base, "r5")}, 1, narrow + ": points have dimension 2"},
	}
	runFailCases(t, cases)
}

// pngSize returns the width and height of a PNG file.
func pngSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	c, err := png.DecodeConfig(f)
	require.NoError(t, err)
	return c.Width, c.Height
}

// TestOwnDataResume checks that training on a data file resumes bit for
// bit: the data stream's position (epoch and place in its shuffled order)
// is in the checkpoint.
func TestOwnDataResume(t *testing.T) {
	base := t.TempDir()
	writeCSV(t, filepath.Join(base, "pts.csv"), 20, 64, 5)
	spec := filepath.Join(base, "own.maf")
	ownSpec(t, spec, `likelihood(file = "pts.csv", validation = 0.2)`)
	full, part := filepath.Join(base, "full"), filepath.Join(base, "part")
	common := []string{"-batch", "6", "-checkpoint-every", "1", "-progress", "lines"}
	code, _, stderr := mafc(t, append([]string{"train", spec, "-o", full, "-steps", "5"}, common...)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = mafc(t, append([]string{"train", spec, "-o", part, "-steps", "3"}, common...)...)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := mafc(t, append([]string{"train", spec, "-o", part, "-steps", "5"}, common...)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "resuming ising8")
	require.Equal(t, params(t, full), params(t, part), "a resumed run on a data file differs from an uninterrupted one (16 training points, batches of 6: the resumed steps cross an epoch)")
}
