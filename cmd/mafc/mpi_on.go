//go:build mpi && cgo

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/mafc-dev/mafc/cli"
	"github.com/mafc-dev/mafc/train/mpi"
)

// mpiBuild reports whether this mafc was built with MPI (go build -tags
// mpi, with cgo).
const mpiBuild = true

// peerGrace is how long a failed rank other than 0 waits for rank 0 to end
// the job (rank 0 reports the failures all ranks share, after writing what
// it has to) before it ends the job itself.
const peerGrace = 10 * time.Second

// runModel runs a model command; started by an MPI launcher (mpirun,
// srun), as one rank of the job (cli.RunComm): train spreads its shards
// over the ranks. A failure ends the whole job (MPI_Abort) with the exit
// status of the failing command, after rank 0 has saved and printed what
// it had to; success waits for all ranks (MPI_Finalize).
func runModel(cmd string, m cli.Model, args []string, stdout, stderr io.Writer) int {
	if launched, _ := mpiJob(); !launched {
		return cli.Run(cmd, m, args, stdout, stderr)
	}
	w, err := mpi.Init()
	if err != nil {
		fmt.Fprintf(stderr, "mafc %s: %v\n", cmd, err)
		return 1
	}
	code := cli.RunComm(cmd, m, args, stdout, stderr, w)
	if code == 0 || w.Size() == 1 {
		if err := w.Finalize(); err != nil {
			fmt.Fprintf(stderr, "mafc %s: %v\n", cmd, err)
			return max(code, 1)
		}
		return code
	}
	if w.Rank() != 0 {
		time.Sleep(peerGrace)
	}
	w.Abort(code)
	return code
}
