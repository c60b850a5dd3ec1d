//go:build !(mpi && cgo)

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoMPIBuildRefusesRanks: started as one of several MPI processes, the
// default build (without MPI) refuses instead of training alone on every
// rank.
func TestNoMPIBuildRefusesRanks(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "4")
	code, _, stderr := mafc(t, "train", "../../testdata/ising8.maf", "-o", t.TempDir(), "-steps", "1")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "started as one of 4 MPI processes, but this mafc was built without MPI: build it with go build -tags mpi")
}
