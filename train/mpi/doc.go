// Package mpi is a thin cgo binding of the few MPI calls that spread one
// training run over the processes of an MPI job: MPI_Init_thread,
// MPI_Comm_rank/size, MPI_Allgatherv (in place, float64), MPI_Bcast,
// MPI_Abort and MPI_Finalize on MPI_COMM_WORLD. [World] implements
// train.Comm.
//
// It is built only with the build tag mpi and cgo (go build -tags mpi),
// against the MPI found by pkg-config as mpi-c (Debian: libopenmpi-dev,
// Open MPI 4.1, whose mpirun ends the whole job when a process dies or
// calls MPI_Abort). Without the tag this package is empty and mafc needs
// neither cgo nor MPI.
//
// MPI is initialised with MPI_THREAD_SERIALIZED and the calling goroutine
// is locked to its OS thread; all calls must come from that goroutine, one
// at a time. Errors in MPI calls abort the job (MPI_ERRORS_ARE_FATAL, the
// default).
package mpi
