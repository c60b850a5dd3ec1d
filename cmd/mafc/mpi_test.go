//go:build mpi && cgo

package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/mpitest"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// The tests of the mpi build start this test binary under mpirun: with
// MAFC_TEST_RUN=1 it runs mafc (TestMain).

// mpiMafc runs mafc with args as np ranks under mpirun and returns the exit
// status and the combined output.
func mpiMafc(t *testing.T, np int, args ...string) (int, string) {
	t.Helper()
	cmd := mpitest.Command(t, np, []string{"MAFC_TEST_RUN=1"}, os.Args[0], args...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	require.NoError(t, err)
	return 0, string(out)
}

// state returns θ, the optimiser's state and the objective's stream
// position of a run's checkpoint, as hex bits, and the metrics' losses.
func state(t *testing.T, dir string) string {
	t.Helper()
	st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
	require.NoError(t, err)
	var b strings.Builder
	fmt.Fprintf(&b, "step %d\n", st.Step)
	for _, name := range []string{"", "adam.m", "adam.v"} {
		v := st.Params
		if name != "" {
			v = st.Optim[name]
		}
		fmt.Fprintf(&b, "%s:", name)
		for _, x := range v {
			fmt.Fprintf(&b, " %x", math.Float64bits(x))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "objective %x\n", st.Blobs["objective"])
	m, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(m)), "\n") {
		b.WriteString(strings.Join(strings.Split(line, ",")[:6], ",") + "\n") // without the timings
	}
	return b.String()
}

// TestMPITrainMatchesOneProcess: mpirun -np 2 gives bit for bit the θ,
// optimiser state and losses of one process with 2 workers (same seed and
// shards), with rank 0 alone writing; a run started in one process resumes
// on 2 ranks to the same end.
func TestMPITrainMatchesOneProcess(t *testing.T) {
	base := t.TempDir()
	args := func(dir string, steps int) []string {
		return []string{"train", "../../testdata/ising8.maf", "-o", dir, "-steps", strconv.Itoa(steps), "-batch", "16", "-shards", "4",
			"-checkpoint-every", "2", "-eval-samples", "64", "-progress", "lines", "-seed", "11"}
	}
	one, two, resumed := filepath.Join(base, "one"), filepath.Join(base, "two"), filepath.Join(base, "resumed")
	code, _, stderr := mafc(t, append(args(one, 4), "-workers", "2")...)
	require.Equal(t, 0, code, stderr)

	code, out := mpiMafc(t, 2, append(args(two, 4), "-workers", "1")...)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "spread over 2 processes")
	require.Equal(t, 1, strings.Count(out, "variational loss per site"), "only rank 0 prints the report:\n%s", out)
	require.Equal(t, state(t, one), state(t, two), "2 ranks × 1 worker differ from 1 process × 2 workers")
	for _, f := range []string{"figure.png", "report.json"} {
		require.FileExists(t, filepath.Join(two, f))
	}

	code, _, stderr = mafc(t, append(args(resumed, 2), "-workers", "2")...)
	require.Equal(t, 0, code, stderr)
	code, out = mpiMafc(t, 2, append(args(resumed, 4), "-workers", "1")...)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "resuming ising8")
	require.Equal(t, state(t, one), state(t, resumed), "resumed on 2 ranks differs from one uninterrupted process")
}

// rankPID finds the process of rank rank of the mpirun job whose
// environment holds job (Linux /proc).
func rankPID(job string, rank int) (int, bool) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		var mine, r bool
		for _, v := range vars {
			mine = mine || v == job
			r = r || v == fmt.Sprintf("OMPI_COMM_WORLD_RANK=%d", rank)
		}
		if mine && r {
			return pid, true
		}
	}
	return 0, false
}

// TestMPIKilledRank: SIGKILL of rank 1 during training ends the whole job
// with a non-zero status and Open MPI's message naming the rank, within
// seconds, and rank 0's last checkpoint loads.
func TestMPIKilledRank(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Fatalf("the killed-rank test finds the ranks through /proc: %v", err)
	}
	dir := t.TempDir()
	job := fmt.Sprintf("MAFC_TEST_JOB=%d", time.Now().UnixNano())
	cmd := mpitest.Command(t, 2, []string{"MAFC_TEST_RUN=1", job}, os.Args[0], "train", "../../testdata/ising8.maf", "-o", dir,
		"-steps", "1000000", "-batch", "32", "-shards", "2", "-workers", "1", "-checkpoint-every", "3", "-progress", "lines")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, ckpt.FileName)); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint within 60 s:\n%s", out.String())
		time.Sleep(50 * time.Millisecond)
	}
	pid, ok := rankPID(job, 1)
	require.True(t, ok, "rank 1's process not found")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.Error(t, err, "mpirun exited with status 0 after rank 1 was killed:\n%s", out.String())
		require.NotEqual(t, 0, cmd.ProcessState.ExitCode())
	case <-time.After(30 * time.Second):
		t.Fatalf("mpirun still runs 30 s after rank 1 was killed:\n%s", out.String())
	}
	require.Regexp(t, `process rank 1 .*exited on signal 9`, strings.ReplaceAll(out.String(), "\n", " "))
	_, alive := rankPID(job, 0)
	require.False(t, alive, "rank 0 outlived the job")
	found, ok, err := ckpt.LoadLatest(dir)
	require.NoError(t, err)
	require.True(t, ok)
	require.Positive(t, found.State.Step)
}

// TestMPIUnbundledSpecRefused: under MPI, a spec without a checked-in
// package (whose child binary would have no MPI) is refused plainly.
func TestMPIUnbundledSpecRefused(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "tiny.maf")
	require.NoError(t, os.WriteFile(spec, []byte("model tiny\ninput x: vector(2)\npotential {\n    phi = dense(softplus(dense(x, 3)), 1)\n}\nflow { steps = 2  dt = 0.1 }\ntrain { objective = likelihood(gaussian)  batch = 4  steps = 1 }\n"), 0o644))
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	code, _, stderr := mafc(t, "train", spec, "-o", t.TempDir())
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "under MPI, mafc runs only the bundled specs")
}
