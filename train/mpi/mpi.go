//go:build mpi && cgo

package mpi

/*
#cgo pkg-config: mpi-c
#include <mpi.h>

static int mafc_init(int *provided) {
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static int mafc_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int mafc_size(int *n) { return MPI_Comm_size(MPI_COMM_WORLD, n); }
static int mafc_allgatherv(double *buf, int *counts, int *displs) {
	return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
}
static int mafc_bcast(void *buf, int n) { return MPI_Bcast(buf, n, MPI_BYTE, 0, MPI_COMM_WORLD); }
static int mafc_bcast_len(long long *n) { return MPI_Bcast(n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD); }
static int mafc_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int mafc_finalize(void) { return MPI_Finalize(); }
static int mafc_serialized(int provided) { return provided >= MPI_THREAD_SERIALIZED; }
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// World is MPI_COMM_WORLD after [Init]; it implements train.Comm.
type World struct {
	rank, size int
}

// Init initialises MPI (once per process) and returns MPI_COMM_WORLD. It
// locks the calling goroutine to its OS thread: make every other call from
// that goroutine.
func Init() (*World, error) {
	runtime.LockOSThread()
	var provided C.int
	if rc := C.mafc_init(&provided); rc != 0 {
		return nil, fmt.Errorf("mpi: MPI_Init_thread failed (error %d)", int(rc))
	}
	if C.mafc_serialized(provided) == 0 {
		C.mafc_finalize()
		return nil, fmt.Errorf("mpi: this MPI library does not support MPI_THREAD_SERIALIZED")
	}
	var r, n C.int
	C.mafc_rank(&r)
	C.mafc_size(&n)
	return &World{rank: int(r), size: int(n)}, nil
}

// Rank returns this process's rank in MPI_COMM_WORLD.
func (w *World) Rank() int { return w.rank }

// Size returns the number of processes in MPI_COMM_WORLD.
func (w *World) Size() int { return w.size }

// AllGather gathers buf in place with MPI_Allgatherv: counts[r] numbers of
// rank r, the ranks' parts one after another in rank order. It panics if
// len(counts) != Size, if the counts exceed len(buf) or MPI's int range.
func (w *World) AllGather(buf []float64, counts []int) {
	if len(counts) != w.size {
		panic("mpi: AllGather: len(counts) != Size")
	}
	cc := make([]C.int, 2*w.size) // counts, then displacements
	off := 0
	for r, n := range counts {
		cc[r], cc[w.size+r] = C.int(n), C.int(off)
		off += n
	}
	if off > len(buf) || off > math.MaxInt32 {
		panic(fmt.Sprintf("mpi: AllGather of %d numbers into %d (MPI counts are C ints)", off, len(buf)))
	}
	if off == 0 {
		return
	}
	C.mafc_allgatherv((*C.double)(unsafe.Pointer(&buf[0])), &cc[0], &cc[w.size])
}

// bcastChunk is the most bytes one MPI_Bcast sends.
const bcastChunk = 1 << 30

// Broadcast returns rank 0's b on every rank (MPI_Bcast of its length,
// then of its bytes in pieces of at most 1 GiB).
func (w *World) Broadcast(b []byte) []byte {
	n := C.longlong(len(b))
	C.mafc_bcast_len(&n)
	if w.rank != 0 {
		b = make([]byte, int(n))
	}
	if len(b) == 0 {
		return b
	}
	for lo := 0; lo < len(b); lo += bcastChunk {
		hi := min(lo+bcastChunk, len(b))
		C.mafc_bcast(unsafe.Pointer(&b[lo]), C.int(hi-lo))
	}
	return b
}

// Abort ends every process of the job with the exit status code
// (MPI_Abort); it does not return.
func (w *World) Abort(code int) {
	C.mafc_abort(C.int(code))
	panic("mpi: MPI_Abort returned")
}

// Finalize ends this process's use of MPI (MPI_Finalize), waiting for the
// others to finalize too.
func (w *World) Finalize() error {
	if rc := C.mafc_finalize(); rc != 0 {
		return fmt.Errorf("mpi: MPI_Finalize failed (error %d)", int(rc))
	}
	return nil
}
