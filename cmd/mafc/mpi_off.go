//go:build !(mpi && cgo)

package main

import (
	"fmt"
	"io"

	"github.com/mafc-dev/mafc/cli"
)

// mpiBuild reports whether this mafc was built with MPI (go build -tags
// mpi, with cgo).
const mpiBuild = false

// runModel runs a model command in this process. Started as one of several
// processes of an MPI job, it refuses: each would train alone.
func runModel(cmd string, m cli.Model, args []string, stdout, stderr io.Writer) int {
	if launched, size := mpiJob(); launched && size > 1 {
		fmt.Fprintf(stderr, "mafc %s: started as one of %d MPI processes, but this mafc was built without MPI: build it with go build -tags mpi ./cmd/mafc (needs cgo and Open MPI, e.g. libopenmpi-dev), or run it without mpirun\n", cmd, size)
		return 2
	}
	return cli.Run(cmd, m, args, stdout, stderr)
}
