package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/train/ckpt"
)

// ising8Args are the arguments of a quick run of the default model into
// dir, with a checkpoint after every step; extra flags come last, so they
// win.
func ising8Args(dir string, steps string, extra ...string) []string {
	return append([]string{"train", "../../testdata/ising8.maf", "-o", dir, "-steps", steps, "-batch", "4", "-shards", "2", "-workers", "1",
		"-checkpoint-every", "1", "-eval-samples", "4", "-progress", "lines"}, extra...)
}

// train runs mafc train and requires the exit status code.
func train(t *testing.T, code int, args ...string) (stdout, stderr string) {
	t.Helper()
	got, stdout, stderr := mafc(t, args...)
	require.Equal(t, code, got, "mafc %s: exit status\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout, stderr)
	return stdout, stderr
}

// metricsRows reads a metrics.csv file: its header and records.
func metricsRows(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err, "parsing %s", path)
	require.NotEmpty(t, recs, "%s has no header", path)
	return recs[0], recs[1:]
}

// deterministic returns the metrics rows without the columns that measure
// time (seconds, samples_per_s), which differ between runs.
func deterministic(t *testing.T, path string) [][]string {
	t.Helper()
	header, rows := metricsRows(t, path)
	var keep []int
	for i, h := range header {
		if h != "seconds" && h != "samples_per_s" {
			keep = append(keep, i)
		}
	}
	out := [][]string{}
	for _, r := range rows {
		var k []string
		for _, i := range keep {
			k = append(k, r[i])
		}
		out = append(out, k)
	}
	return out
}

// TestTrainResumeChangedFlags: resuming with flags that change the results
// is refused with a list of the differences, unless -override; -steps below
// the checkpoint's step is refused; a checkpoint written before settings
// were recorded resumes with a note.
func TestTrainResumeChangedFlags(t *testing.T) {
	dir := t.TempDir()
	train(t, 0, ising8Args(dir, "2")...)

	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{[]string{"-batch", "8"}, []string{"-batch: checkpoint 4, now 8"}},
		{[]string{"-lr", "0.001", "-seed", "9"}, []string{"-lr: checkpoint 0.003, now 0.001", "-seed: checkpoint 1, now 9"}},
		{[]string{"-shards", "4"}, []string{"-shards: checkpoint 2, now 4"}},
		{[]string{"-laplacian", "hutchinson"}, []string{"-laplacian: checkpoint exact, now hutchinson"}},
		{[]string{"-input-space"}, []string{"-input-space: checkpoint false, now true"}},
	} {
		_, stderr := train(t, 1, ising8Args(dir, "3", c.flags...)...)
		for _, w := range c.want {
			require.Contains(t, stderr, w, "flags %v", c.flags)
		}
		require.Contains(t, stderr, "-override", "the error says how to go on")
		st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
		require.NoError(t, err)
		require.EqualValues(t, 2, st.Step, "a refused resume must not train")
	}
	// -workers does not change the results.
	train(t, 0, ising8Args(dir, "3", "-workers", "2")...)

	_, stderr := train(t, 2, ising8Args(dir, "2")...)
	require.Contains(t, stderr, "-steps 2 is below the step of the checkpoint")

	_, stderr = train(t, 0, ising8Args(dir, "4", "-lr", "0.001", "-override")...)
	require.Contains(t, stderr, "-lr: checkpoint 0.003, now 0.001")
	// The new settings are recorded: continuing with them needs no -override.
	train(t, 0, ising8Args(dir, "5", "-lr", "0.001")...)

	// A checkpoint without the record (an older mafc) resumes with a note.
	path := filepath.Join(dir, ckpt.FileName)
	st, err := ckpt.Load(path)
	require.NoError(t, err)
	delete(st.Blobs, "run")
	require.NoError(t, ckpt.Save(path, st))
	_, stderr = train(t, 0, ising8Args(dir, "6", "-batch", "4")...)
	require.Contains(t, stderr, "records no run settings")
}

// TestTrainRebuildsMissingMetrics: a resumed run whose metrics.csv is gone
// rebuilds it from the checkpoint's history, row for row.
func TestTrainRebuildsMissingMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.csv")
	train(t, 0, ising8Args(dir, "3")...)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	_, stderr := train(t, 0, ising8Args(dir, "5")...)
	require.Contains(t, stderr, "rebuilt it from the checkpoint's history (3 rows)")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(after), string(before)), "the rebuilt rows differ from the original ones:\n%s\nwant a continuation of:\n%s", after, before)
	_, rows := metricsRows(t, path)
	require.Len(t, rows, 5, "metrics rows after the resume")
	for i, r := range rows {
		require.Equal(t, []string{string(rune('1' + i))}, r[:1], "row %d", i)
	}
	// An empty file is rebuilt too.
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	_, stderr = train(t, 0, ising8Args(dir, "6")...)
	require.Contains(t, stderr, "was empty: rebuilt it")
	_, rows = metricsRows(t, path)
	require.Len(t, rows, 6)
}

// TestTrainRemovesStaleTemps: the temporary files of writes killed in an
// earlier run are removed when training starts.
func TestTrainRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".checkpoint.ckpt.tmp-123456", ".checkpoint.prev.ckpt.tmp-42", ".metrics.csv.tmp-7"}
	for _, n := range stale {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	_, stderr := train(t, 0, ising8Args(dir, "1")...)
	require.Contains(t, stderr, "removed 3 temporary file(s)")
	for _, n := range stale {
		require.NoFileExists(t, filepath.Join(dir, n))
	}
	require.FileExists(t, filepath.Join(dir, "notes.txt"))
}

// TestTrainNonFinite: after a non-finite loss, no checkpoint is left whose
// parameters caused it; the message names the checkpoint to resume from
// (which exists) or says there is none; resuming from it works.
func TestTrainNonFinite(t *testing.T) {
	// Plain SGD at the largest legal rate with a long flow: θ grows until
	// some step K's loss or gradient overflows. With a checkpoint every
	// step, the one of step K−1 (whose parameters caused it) is moved
	// aside and the one of step K−2 remains.
	blowUp := []string{"-set", "train.optimizer=sgd(lr = 10)", "-set", "flow.dt=1"}
	dir := t.TempDir()
	_, stderr := train(t, 1, append(ising8Args(dir, "40"), blowUp...)...)
	m := regexp.MustCompile(`step (\d+): the (loss|gradient|loss's standard error|gradient's norm)[^;]* is not finite`).FindStringSubmatch(stderr)
	require.NotNil(t, m, "no non-finite step in %s", stderr)
	k, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.GreaterOrEqual(t, k, 3, "the test needs two good checkpoints before the failure")
	require.Contains(t, stderr, fmt.Sprintf("the parameters of step %d caused it, so their checkpoint was moved to %s", k-1, filepath.Join(dir, "checkpoint.nonfinite.ckpt")))
	found, ok, err := ckpt.LoadLatest(dir)
	require.NoError(t, err)
	require.True(t, ok)
	require.EqualValues(t, k-2, found.State.Step)
	require.Contains(t, stderr, fmt.Sprintf("the last good checkpoint is %s (step %d)", found.Path, k-2))

	// When that checkpoint was the only one, none is left to resume from.
	dir = t.TempDir()
	_, stderr = train(t, 1, append(ising8Args(dir, "40", "-checkpoint-every", strconv.Itoa(k-1)), blowUp...)...)
	require.Contains(t, stderr, fmt.Sprintf("step %d: the", k))
	require.Contains(t, stderr, "no checkpoint to resume from")
	_, ok, err = ckpt.LoadLatest(dir)
	require.NoError(t, err)
	require.False(t, ok, "a checkpoint is left that resumes into the same overflow")
	require.FileExists(t, filepath.Join(dir, "checkpoint.nonfinite.ckpt"))
	train(t, 0, ising8Args(dir, "4")...) // starts afresh with the spec's settings

	// The same from the middle of a run: the checkpoint of step 2 remains,
	// and resuming from it ends where an uninterrupted run ends.
	// (The same optimiser throughout, so its state carries over.)
	calm := []string{"-set", "train.optimizer=sgd(lr = 0.01)"}
	ref := t.TempDir()
	train(t, 0, append(ising8Args(ref, "4"), calm...)...)
	dir = t.TempDir()
	train(t, 0, append(ising8Args(dir, "2"), calm...)...)
	_, stderr = train(t, 1, append(ising8Args(dir, "40", "-checkpoint-every", "100", "-override"), blowUp...)...)
	require.Contains(t, stderr, "is not finite")
	cur := filepath.Join(dir, ckpt.FileName)
	require.Contains(t, stderr, "the last good checkpoint is "+cur+" (step 2)")
	found, ok, err = ckpt.LoadLatest(dir)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, cur, found.Path, "the checkpoint named in the message")
	require.EqualValues(t, 2, found.State.Step)
	for _, v := range found.State.Params {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6, "θ of the remaining checkpoint = %v", v)
	}
	// Its recorded settings are the original ones: no -override needed.
	train(t, 0, append(ising8Args(dir, "4"), calm...)...)
	require.Equal(t, params(t, ref), params(t, dir), "resumed after the overflow, the run differs from an uninterrupted one")
	require.Equal(t, deterministic(t, filepath.Join(ref, "metrics.csv")), deterministic(t, filepath.Join(dir, "metrics.csv")), "metrics")
}

// TestSampleKeepsRunFiles: sample refuses to write its output over a file
// of a training run.
func TestSampleKeepsRunFiles(t *testing.T) {
	dir := t.TempDir()
	train(t, 0, ising8Args(dir, "1")...)
	before, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	require.NoError(t, err)
	code, _, stderr := mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", dir, "-n", "2", "-o", filepath.Join(dir, "metrics.csv"))
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stderr, "would replace a file of the training run")
	after, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	require.NoError(t, err)
	require.Equal(t, before, after)
	code, _, stderr = mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", dir, "-n", "2", "-o", filepath.Join(dir, "x.csv"))
	require.Equal(t, 0, code, stderr)
}
