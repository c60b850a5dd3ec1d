package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/dsl"
)

const tinySpec = `/// DOC
model tiny
input x: vector(2)
potential {
    h = softplus(dense(x, 8))
    phi = dense(h, 1) + 0.5 * sum(quadratic(x))
}
flow { steps = 4  dt = 0.1 }
train { objective = likelihood(gaussian)  batch = 16  steps = 3 }
`

func writeTiny(t *testing.T, doc string) string {
	t.Helper()
	spec := filepath.Join(t.TempDir(), "tiny.maf")
	require.NoError(t, os.WriteFile(spec, []byte(strings.Replace(tinySpec, "DOC", doc, 1)), 0o644))
	return spec
}

// TestCacheKeyCoversEveryByte: two specs with the same kernels but
// different doc comments generate different files, so they must not share a
// cache entry (the kernel hash alone would make them share one).
func TestCacheKeyCoversEveryByte(t *testing.T) {
	var keys []string
	for _, doc := range []string{"One model.", "Another model."} {
		p, err := dsl.Compile("tiny.maf", []byte(strings.Replace(tinySpec, "DOC", doc, 1)))
		require.NoError(t, err)
		b, err := newCacheBuild(p)
		require.NoError(t, err)
		keys = append(keys, b.key)
		if len(keys) == 2 {
			p0, _ := dsl.Compile("tiny.maf", []byte(strings.Replace(tinySpec, "DOC", "One model.", 1)))
			require.Equal(t, p0.Hash(), p.Hash(), "the doc comment must not change the kernel hash")
		}
	}
	require.NotEqual(t, keys[0], keys[1], "cache key of specs that differ only in a doc comment")

	files := map[string][]byte{"a": []byte("xy"), "b": nil}
	require.NotEqual(t, cacheKey("mafc1", files), cacheKey("mafc2", files), "a different mafc must not reuse a build")
	require.NotEqual(t, cacheKey("m", files), cacheKey("m", map[string][]byte{"a": []byte("x"), "b": []byte("y")}),
		"moving a byte between files must change the key")
}

// TestCacheVerifies: a cache entry is checked before every use; a tampered
// binary, a changed source, a manifest for another build or an entry
// writable by others is rebuilt, never run.
func TestCacheVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries with the Go toolchain")
	}
	cache := t.TempDir()
	t.Setenv("MAFC_CACHE", cache)
	spec := writeTiny(t, "A tiny model.")
	out := t.TempDir()
	code, _, stderr := mafc(t, "train", spec, "-o", out, "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "first use only")
	entries, err := filepath.Glob(filepath.Join(cache, "tiny-*"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	entry := entries[0]

	eval := func() string {
		t.Helper()
		code, _, stderr := mafc(t, "eval", spec, "-ckpt", out, "-n", "16")
		require.Equal(t, 0, code, stderr)
		return stderr
	}
	require.NotContains(t, eval(), "first use only", "an intact entry is reused")

	for _, c := range []struct {
		name   string
		tamper func(t *testing.T)
		reason string
	}{
		{"binary", func(t *testing.T) { appendTo(t, filepath.Join(entry, binaryName), "#!") }, "has SHA-256"},
		{"source", func(t *testing.T) {
			appendTo(t, filepath.Join(entry, sourceSubdir, "model", "tiny.maf.go"), "\nfunc init() {}\n")
		}, "differs from the generated one"},
		{"manifest", func(t *testing.T) {
			path := filepath.Join(entry, manifestName)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), `"key": "`, `"key": "0`, 1)), 0o644))
		}, "for another build"},
		{"writable", func(t *testing.T) { require.NoError(t, os.Chmod(filepath.Join(entry, binaryName), 0o777)) }, "writable by others"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.tamper(t)
			stderr := eval()
			require.Contains(t, stderr, "failed verification", "a tampered entry must not run")
			require.Contains(t, stderr, c.reason)
			require.Contains(t, stderr, "first use only")
			require.NotContains(t, eval(), "failed verification", "the rebuilt entry verifies")
		})
	}

	// Another doc comment with the same kernels gets its own entry.
	code, _, stderr = mafc(t, "eval", writeTiny(t, "Same kernels, other words."), "-ckpt", out, "-n", "16")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "first use only")
	entries, _ = filepath.Glob(filepath.Join(cache, "tiny-*"))
	require.Len(t, entries, 2)
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(s)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestHelpBuildsNothing: -h lists a command's flags from the spec alone,
// without generating or building anything, for every model command.
func TestHelpBuildsNothing(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("MAFC_CACHE", cache)
	spec := writeTiny(t, "Help only.")
	for _, cmd := range []string{"train", "sample", "eval"} {
		for _, args := range [][]string{{cmd, spec, "-h"}, {cmd, "-h"}, {cmd, "--help", spec}} {
			code, _, stderr := mafc(t, args...)
			require.Equal(t, 0, code, "mafc %q: %s", args, stderr)
			require.Contains(t, stderr, "-seed", "mafc %q lists the flags", args)
			require.NotContains(t, stderr, "first use only")
		}
	}
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	require.Empty(t, entries, "-h must not build anything")
}

// TestDefaultSpecForEveryCommand: sample and eval without a spec use the
// built-in default, like train.
func TestDefaultSpecForEveryCommand(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := mafc(t, "train", "-o", dir, "-steps", "2", "-batch", "8", "-eval-samples", "8", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "training the built-in default")
	code, stdout, stderr = mafc(t, "eval", "-ckpt", dir, "-n", "16")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "evaluating the built-in default")
	samples := filepath.Join(t.TempDir(), "s.npy")
	code, stdout, stderr = mafc(t, "sample", "-ckpt", dir, "-n", "4", "-o", samples)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "sampling the built-in default")
	require.FileExists(t, samples)
}

// TestUnbundledForwardsSIGTERM: mafc running a spec's cached binary passes
// SIGTERM on to it (a scheduler stopping the job signals mafc only), so the
// run checkpoints and ends with status 130 instead of running on orphaned.
func TestUnbundledForwardsSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and starts mafc in a child process")
	}
	t.Setenv("MAFC_CACHE", t.TempDir())
	spec := writeTiny(t, "Signals.")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "train", spec, "-o", dir, "-steps", "100000000", "-checkpoint-every", "100000000", "-progress", "lines")
	cmd.Env = append(os.Environ(), "MAFC_TEST_RUN=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(stdout)
	started := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "training tiny") {
			started = true
			break
		}
	}
	require.True(t, started, "mafc train did not start")
	go io.Copy(io.Discard, stdout)
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	ws := waitExit(t, cmd, 60*time.Second)
	require.True(t, ws.Exited(), "mafc was killed by %v", ws.Signal())
	require.Equal(t, 130, ws.ExitStatus(), "the cached binary checkpoints and exits 130")
	require.FileExists(t, filepath.Join(dir, "checkpoint.ckpt"))
}

// TestCachePrune: building an entry keeps the entries of its model used
// last (keepEntries, counting the new one) and removes the older ones;
// other models' entries, names that are not entries and directories
// others may write stay.
func TestCachePrune(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, age time.Duration, mode os.FileMode) string {
		t.Helper()
		path := filepath.Join(root, name)
		require.NoError(t, os.Mkdir(path, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(path, binaryName), []byte("x"), 0o755))
		require.NoError(t, os.Chmod(path, mode))
		tm := time.Now().Add(-age)
		require.NoError(t, os.Chtimes(path, tm, tm))
		return path
	}
	key := func(i int) string { return fmt.Sprintf("%024x", 0xa0+i) }
	cur := mk("tiny-"+key(0), 0, 0o755)
	var old []string
	for i := 1; i <= 6; i++ {
		old = append(old, mk("tiny-"+key(i), time.Duration(i)*time.Hour, 0o755))
	}
	other := mk("tiny2-"+key(1), 100*time.Hour, 0o755)
	notEntry := mk("tiny-"+key(7)+"x", 100*time.Hour, 0o755)
	shared := mk("tiny-"+key(8), 200*time.Hour, 0o777)
	defer os.Chmod(shared, 0o755)
	prune(root, "tiny", cur, 4)
	exists := func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
	}
	require.True(t, exists(cur))
	for i, path := range old {
		require.Equal(t, i < 3, exists(path), "entry %d hours old", i+1)
	}
	require.True(t, exists(other), "another model's entry")
	require.True(t, exists(notEntry), "not an entry's name")
	require.True(t, exists(shared), "a directory others may write")
	require.False(t, isEntryName("tiny-"+strings.Repeat("A", 24), "tiny"))
	require.False(t, isEntryName("tiny-"+key(1), "tin"))
}
