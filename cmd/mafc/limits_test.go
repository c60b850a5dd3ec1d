package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/dsl"
)

// mafcWithin runs mafc and fails the test if it does not return in time.
func mafcWithin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := mafc(t, args...)
		done <- result{c, o, e}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(60 * time.Second):
		t.Fatalf("mafc %s did not return", strings.Join(args, " "))
		return 0, "", ""
	}
}

// TestSpecSizeLimitEveryCommand: every command that reads a spec stops at
// the size limit with a positioned error (the old one had none).
func TestSpecSizeLimitEveryCommand(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.maf")
	src := "model a\n" + strings.Repeat(" ", dsl.MaxFileSize-7)
	require.NoError(t, os.WriteFile(big, []byte(src), 0o644))
	want := big + ":2:" + strconv.Itoa(dsl.MaxFileSize-8+1) + ": spec is larger than the limit of 1048576 bytes"
	for _, args := range [][]string{
		{"check", big},
		{"fmt", big},
		{"gen", "-o", dir, big},
		{"train", big, "-o", dir},
		{"sample", big, "-ckpt", dir},
		{"eval", big, "-ckpt", dir},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, stderr := mafcWithin(t, args...)
			require.Equal(t, 1, code, stderr)
			require.Contains(t, stderr, want)
		})
	}
}

// TestSpecFromFIFOStopsAtLimit: a FIFO whose writer would send 64 MiB is
// read only up to the limit: the writer is stopped after about 1 MiB (plus
// the pipe's buffer), and the error has a position.
func TestSpecFromFIFOStopsAtLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo.maf")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var written atomic.Int64
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		line := []byte(strings.Repeat("/", 63) + "\n")
		for written.Load() < 64<<20 {
			n, err := w.Write(line)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	code, _, stderr := mafcWithin(t, "check", path)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, path+":16385:1: spec is larger than the limit")
	require.Less(t, written.Load(), int64(8<<20), "mafc read %d bytes of the FIFO", written.Load())
}

// isingSpec returns testdata/ising8.maf (so that it runs on the bundled
// ising8 package) with its temperature replaced and a short flow.
func isingSpec(t *testing.T, T string) string {
	t.Helper()
	src, err := os.ReadFile("../../testdata/ising8.maf")
	require.NoError(t, err)
	s := strings.Replace(string(src), "T = critical", "T = "+T, 1)
	s = strings.Replace(s, "steps = 50", "steps = 4", 1)
	path := filepath.Join(t.TempDir(), "ising.maf")
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	return path
}

// TestIsingTemperatureRange: T = 1e-300 is refused by every command with a
// positioned error (it used to train to a NaN loss at step 1), and both
// ends of the range give a finite loss at step 1.
func TestIsingTemperatureRange(t *testing.T) {
	bad := isingSpec(t, "1e-300")
	for _, cmd := range []string{"check", "train"} {
		code, _, stderr := mafc(t, cmd, bad, "-o", t.TempDir())
		if cmd == "check" {
			code, _, stderr = mafc(t, cmd, bad)
		}
		require.Equal(t, 1, code, stderr)
		require.Regexp(t, regexp.QuoteMeta(bad)+`:28:\d+: temperature must be in \[1e-06, 1e\+06\], got 1e-300`, stderr)
	}
	loss := regexp.MustCompile(`(?m)^1,0,(-?[0-9.e+-]+|NaN|[+-]Inf),`)
	for _, T := range []string{"1e-6", "1e6"} {
		t.Run("T="+T, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := mafc(t, "train", isingSpec(t, T), "-o", out, "-steps", "1", "-batch", "4", "-eval-samples", "4", "-progress", "lines")
			require.Equal(t, 0, code, stderr)
			m, err := os.ReadFile(filepath.Join(out, "metrics.csv"))
			require.NoError(t, err)
			match := loss.FindSubmatch(m)
			require.NotNil(t, match, "no step 1 in metrics.csv:\n%s", m)
			l, err := strconv.ParseFloat(string(match[1]), 64)
			require.NoError(t, err)
			require.False(t, math.IsNaN(l) || math.IsInf(l, 0), "loss at step 1 = %v", l)
		})
	}
}

// TestLongModelName: a 300-byte model name (it used to fail in gen and
// train with "file name too long") is refused by check with a position.
func TestLongModelName(t *testing.T) {
	src, err := os.ReadFile("../../testdata/ising8.maf")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "long.maf")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(src), "model ising8", "model "+strings.Repeat("a", 300), 1)), 0o644))
	for _, args := range [][]string{{"check", path}, {"gen", "-o", t.TempDir(), path}, {"train", path, "-o", t.TempDir()}} {
		code, _, stderr := mafc(t, args...)
		require.Equal(t, 1, code, stderr)
		require.Contains(t, stderr, path+":5:1: model name \"aaaaaaaaaaaaaaaa\"… is 300 bytes long, more than the limit of 64")
	}
}

// TestFlagRanges: every numeric and word flag of train, sample and eval
// obeys its range (the spec setting's where it overrides one) before
// anything is read, written or allocated: a usage error (exit 2) names the
// flag and the range. Each of these used to panic, allocate without bound,
// run anyway or silently fall back.
func TestFlagRanges(t *testing.T) {
	spec := "../../testdata/ising8.maf"
	out := t.TempDir()
	trainOn := func(spec string, args ...string) []string {
		return append([]string{"train", spec, "-o", out, "-steps", "1", "-batch", "4", "-eval-samples", "4", "-progress", "lines"}, args...)
	}
	train := func(args ...string) []string { return trainOn(spec, args...) }
	ck := filepath.Join(out, "none.ckpt")
	src, err := os.ReadFile(spec)
	require.NoError(t, err)
	adamw := filepath.Join(t.TempDir(), "adamw.maf")
	require.NoError(t, os.WriteFile(adamw, []byte(strings.Replace(string(src), "adam(lr = 3e-3, weight_decay = 1e-3)", "adamw(lr = 3e-3, weight_decay = 1)", 1)), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"checkpoint-every 0", train("-checkpoint-every", "0"), "-checkpoint-every must be in [1, 1073741824], got 0 (it overrides the spec's checkpoint_every)"},
		{"eval-samples -5", train("-eval-samples", "-5"), "-eval-samples must be in [1, 1073741824] or 0 for the default, got -5"},
		{"steps near 2^63", train("-steps", "9223372036854775000"), "-steps must be in [1, 1073741824], got 9223372036854775000 (it overrides the spec's steps)"},
		{"shards 0", train("-shards", "0"), "-shards must be in [1, 1024], got 0"},
		{"progress bogus", train("-progress", "bogus"), `-progress must be auto, live or lines, got "bogus"`},
		{"lr 1e6", train("-lr", "1e6"), "-lr must be in (0, 10], got 1e+06 (it overrides the spec's learning rate)"},
		{"lr 0", train("-lr", "0"), "-lr must be in (0, 10], got 0"},
		{"lr beyond adamw's weight decay", trainOn(adamw, "-lr", "5"), "-lr 5: adamw's weight decay multiplies θ by 1 − lr·weight_decay = -4 every step, so lr·weight_decay must be at most 1 (else θ diverges): at most -lr 1 with the spec's weight_decay = 1"},
		{"workers 0", train("-workers", "0"), "-workers must be in [1, 1024], got 0 (it overrides the spec's workers)"},
		{"workers 100000", train("-workers", "100000"), "-workers must be in [1, 1024], got 100000"},
		{"batch 0", train("-batch", "0"), "-batch must be in [1, 1048576], got 0 (it overrides the spec's batch)"},
		{"batch 2^21", train("-batch", "2097152"), "-batch must be in [1, 1048576], got 2097152"},
		{"recompute-every 0", train("-memory", "recompute", "-recompute-every", "0"), "-recompute-every must be in [1, 1048576], got 0"},
		{"eval-every -1", train("-eval-every", "-1"), "-eval-every must be in [1, 1073741824] or 0 for the default, got -1"},
		{"eval-images 0", train("-eval-images", "0"), "-eval-images must be in [1, 1048576], got 0"},
		{"epochs -1", train("-epochs", "-1"), "-epochs must be in [1, 1048576] or 0 for the default, got -1"},
		{"seed 2^40", train("-seed", "1099511627776"), "-seed must be in [0, 2147483647], got 1099511627776 (it overrides the spec's seed)"},
		{"memory of a huge batch", train("-batch", "1000000"), "-batch 1000000: training would need about"},
		{"sample -n 100000000", []string{"sample", spec, "-ckpt", ck, "-n", "100000000"}, "-n 100000000: sampling would need about"},
		{"sample -n 0", []string{"sample", spec, "-ckpt", ck, "-n", "0"}, "-n must be in [1, 1073741824], got 0"},
		{"sample -workers 0", []string{"sample", spec, "-ckpt", ck, "-workers", "0"}, "-workers must be in [1, 1024], got 0"},
		{"eval -n -5", []string{"eval", spec, "-ckpt", ck, "-n", "-5"}, "-n must be in [1, 1073741824] or 0 for the default, got -5"},
		{"eval -n 100000000", []string{"eval", spec, "-ckpt", ck, "-n", "100000000"}, "-n 100000000: evaluation would need about"},
		{"eval -split bogus", []string{"eval", spec, "-ckpt", ck, "-split", "bogus"}, `-split must be train, valid or test, got "bogus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := mafcWithin(t, tc.args...)
			require.Equal(t, 2, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Empty(t, entries, "a refused command wrote files")
}

// TestFlagMemoryLimitSaysTheMax: the memory error gives the largest value
// of the flag that fits, and that value runs the check through.
func TestFlagMemoryLimitSaysTheMax(t *testing.T) {
	code, _, stderr := mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", "none", "-n", "100000000")
	require.Equal(t, 2, code)
	m := regexp.MustCompile(`more than the 16 GiB limit: at most -n (\d+) fits`).FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.Greater(t, n, 1000000)
	require.Less(t, n, 100000000)
	// At the maximum the flags pass, and the missing checkpoint is the
	// error.
	code, _, stderr = mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", "none", "-n", m[1])
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "none")
}
