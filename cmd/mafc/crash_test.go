//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/cli/rundir"
	"github.com/mafc-dev/mafc/internal/faults"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// In a child started by crashChild, MAFC_TEST_FAULTS=K makes every step of
// the crash-safe writes (package faults) print a line to stderr, and kills
// the process with SIGKILL at the K-th (K = 0: never).
func init() {
	k, err := strconv.Atoi(os.Getenv("MAFC_TEST_FAULTS"))
	if os.Getenv("MAFC_TEST_RUN") != "1" || err != nil {
		return
	}
	n := 0
	faults.Hook = func(point, path string) {
		n++
		name := filepath.Base(path)
		if rundir.IsTemp(name) { // random suffix
			name = name[:strings.LastIndex(name, ".tmp-")] + ".tmp-*"
		}
		fmt.Fprintf(os.Stderr, "fault point %d: %s %s\n", n, point, name)
		if n == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			for {
				time.Sleep(time.Hour) // SIGKILL is on its way
			}
		}
	}
}

// crashChild runs mafc with args in a child process that is killed at the
// k-th step of its crash-safe writes (never if k is 0), and returns how it
// ended and the steps it reached, as "point file".
func crashChild(t *testing.T, k int, args []string) (syscall.WaitStatus, []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "MAFC_TEST_RUN=1", "MAFC_TEST_FAULTS="+strconv.Itoa(k))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	var points []string
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if _, p, ok := strings.Cut(sc.Text(), "fault point "); ok {
			_, p, _ = strings.Cut(p, ": ")
			points = append(points, p)
		}
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Exited() && ws.ExitStatus() != 0 {
		t.Fatalf("mafc %s exited with status %d:\n%s", strings.Join(args, " "), ws.ExitStatus(), stderr.String())
	}
	return ws, points
}

// TestTrainCrashAtEveryStep kills mafc train (SIGKILL) at every step of
// its checkpoint sequence and other crash-safe writes (each temporary file
// created, written, synced and closed, each link, rename and directory
// sync), in a fresh run and in a run resumed after falling back from a
// corrupt checkpoint.ckpt. After each kill a complete, valid checkpoint
// must be there (once one was ever committed), and resuming must end with
// the parameters and metrics of an uninterrupted run, bit for bit, and no
// temporary files.
func TestTrainCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mafc train in child processes")
	}
	ref := t.TempDir()
	train(t, 0, ising8Args(ref, "3")...)
	wantParams := params(t, ref)
	wantMetrics := deterministic(t, filepath.Join(ref, "metrics.csv"))

	for _, sc := range []struct {
		name     string
		setup    func(t *testing.T, dir string)
		anyValid bool // a valid checkpoint exists before the child starts
	}{
		{"fresh", func(*testing.T, string) {}, false},
		{"after-fallback", func(t *testing.T, dir string) {
			train(t, 0, ising8Args(dir, "2")...)
			path := filepath.Join(dir, ckpt.FileName)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			b[len(b)/2] ^= 0x01
			require.NoError(t, os.WriteFile(path, b, 0o644))
		}, true},
	} {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			sc.setup(t, dir)
			ws, points := crashChild(t, 0, ising8Args(dir, "3"))
			require.True(t, ws.Exited(), "uninterrupted child: %v", ws)
			require.Equal(t, wantParams, params(t, dir), "uninterrupted run")
			t.Logf("%d steps: %s", len(points), strings.Join(points, ", "))
			var renames int
			for _, p := range points {
				if p == "atomicfile.rename "+ckpt.FileName {
					renames++
				}
			}
			require.GreaterOrEqual(t, renames, 2, "checkpoint commits among the steps")

			for k := 1; k <= len(points); k++ {
				dir := t.TempDir()
				sc.setup(t, dir)
				args := ising8Args(dir, "3")
				ws, reached := crashChild(t, k, args)
				require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child for step %d (%s) was not killed: %v", k, points[k-1], ws)
				require.Equal(t, points[:k], reached, "steps reached before the kill at step %d", k)
				when := fmt.Sprintf("after a kill at step %d (%s)", k, points[k-1])

				committed := sc.anyValid
				for _, p := range reached {
					committed = committed || p == "atomicfile.rename "+ckpt.FileName
				}
				found, ok, err := ckpt.LoadLatest(dir)
				require.NoError(t, err, "LoadLatest %s", when)
				require.Equal(t, committed, ok, "LoadLatest found a checkpoint %s", when)

				_, stderr := train(t, 0, args...)
				require.Equal(t, wantParams, params(t, dir), "θ after resuming %s (from %s)\n%s", when, found.Path, stderr)
				require.Equal(t, wantMetrics, deterministic(t, filepath.Join(dir, "metrics.csv")), "metrics after resuming %s", when)
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				for _, e := range entries {
					require.False(t, rundir.IsTemp(e.Name()), "temporary file %s left after resuming %s", e.Name(), when)
				}
			}
		})
	}
}

// TestTrainLockRefusesSecond: a second mafc train on the output directory
// of a running one is refused with a message naming the first (its pid);
// once the first is killed, the directory can be trained into again.
func TestTrainLockRefusesSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mafc train in a child process")
	}
	dir := t.TempDir()
	cmd, _ := child(t, dir)
	code, _, stderr := mafc(t, "train", "../../testdata/ising16.maf", "-o", dir, "-steps", "1", "-batch", "2", "-progress", "lines")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, fmt.Sprintf("%s is in use by pid %d on host ", dir, cmd.Process.Pid))
	require.Contains(t, stderr, " train ../../testdata/ising16.maf -o "+dir+" -batch 256")
	require.NoFileExists(t, filepath.Join(dir, ckpt.FileName))

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	ws := waitExit(t, cmd, 30*time.Second)
	require.True(t, ws.Signaled(), "child: %v", ws)
	code, _, stderr = mafc(t, "train", "../../testdata/ising16.maf", "-o", dir, "-steps", "1", "-batch", "2", "-shards", "1",
		"-eval-samples", "2", "-progress", "lines")
	require.Equal(t, 0, code, "mafc train after the holder was killed:\n%s", stderr)
	require.FileExists(t, filepath.Join(dir, ckpt.FileName))
}
