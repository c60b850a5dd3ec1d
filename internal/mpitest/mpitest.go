// Package mpitest starts programs under Open MPI's mpirun for the tests of
// the mpi build (go test -tags mpi).
package mpitest

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// Command returns the command that runs np copies of prog with args under
// mpirun on this machine (--oversubscribe: more ranks than cores; as root,
// --allow-run-as-root), with env added to each process's environment. It
// fails the test if mpirun is not installed.
func Command(t testing.TB, np int, env []string, prog string, args ...string) *exec.Cmd {
	t.Helper()
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Fatalf("mpirun not found (%v): the mpi build's tests need Open MPI (apt-get install openmpi-bin libopenmpi-dev)", err)
	}
	argv := []string{"-np", strconv.Itoa(np), "--oversubscribe"}
	if os.Geteuid() == 0 {
		argv = append(argv, "--allow-run-as-root")
	}
	for _, e := range env {
		argv = append(argv, "-x", e)
	}
	argv = append(argv, prog)
	cmd := exec.Command(mpirun, append(argv, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}
