package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/train/ckpt"
)

// TestMain lets the interrupt tests run mafc as a child process: the test
// binary re-executed with MAFC_TEST_RUN set runs mafc with its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("MAFC_TEST_RUN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child starts mafc train in a child process on the paper's Ising model with
// a large batch, so that one step takes seconds, and returns once the first
// step has started, with a channel of its stderr lines.
func child(t *testing.T, dir string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "train", "../../testdata/ising16.maf", "-o", dir, "-batch", "256", "-workers", "1", "-shards", "1",
		"-memory", "recompute", "-steps", "1000", "-checkpoint-every", "1000", "-progress", "lines")
	cmd.Env = append(os.Environ(), "MAFC_TEST_RUN=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			if !once && strings.HasPrefix(sc.Text(), "training ising16") {
				once = true
				close(started)
			}
		}
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		t.Fatal("mafc train did not start within 60 s")
	}
	time.Sleep(500 * time.Millisecond) // well inside the first step
	return cmd, lines
}

// waitExit waits at most d for cmd to end and returns its wait status.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration) syscall.WaitStatus {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.Sys().(syscall.WaitStatus)
	case <-time.After(d):
		t.Fatalf("mafc did not exit within %v of the interrupt", d)
	}
	return 0
}

// TestInterruptSavesCheckpoint: SIGINT (and SIGTERM) during a step lets the
// step finish, writes a checkpoint and exits with status 130.
func TestInterruptSavesCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mafc train in a child process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd, lines := child(t, dir)
			require.NoError(t, cmd.Process.Signal(sig))
			ws := waitExit(t, cmd, 120*time.Second)
			require.True(t, ws.Exited(), "mafc was killed by %v", ws.Signal())
			require.Equal(t, 130, ws.ExitStatus())
			var msgs []string
			for l := range lines {
				msgs = append(msgs, l)
			}
			require.Contains(t, strings.Join(msgs, "\n"), "interrupt again to quit at once")
			require.FileExists(t, filepath.Join(dir, ckpt.FileName))
		})
	}
}

// TestSecondInterruptQuits: a second SIGINT ends the process at once,
// without waiting for the step in progress; no checkpoint was due.
func TestSecondInterruptQuits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mafc train in a child process")
	}
	dir := t.TempDir()
	cmd, lines := child(t, dir)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for l := range lines {
		if strings.Contains(l, "interrupt again") {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	ws := waitExit(t, cmd, 3*time.Second)
	require.True(t, ws.Signaled(), "mafc exited with status %d instead of being ended by the second interrupt", ws.ExitStatus())
	require.Equal(t, syscall.SIGINT, ws.Signal())
	require.NoFileExists(t, filepath.Join(dir, ckpt.FileName))
}
