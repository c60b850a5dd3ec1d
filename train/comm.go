package train

// Comm connects the processes (ranks) of one data-parallel training run,
// such as the ranks of an MPI job (package train/mpi, build tag mpi).
// Every rank runs the same program; the collective methods must be called
// by all ranks in the same order with the same sizes. A failure inside a
// collective ends the whole job (MPI's default error handler), so the
// methods return no errors. A Comm is used from one goroutine at a time.
type Comm interface {
	// Rank returns this process's number, 0 ≤ Rank < Size.
	Rank() int
	// Size returns the number of processes.
	Size() int
	// AllGather gathers in place: buf is the concatenation of the ranks'
	// parts in rank order, counts[r] numbers for rank r. On entry this
	// rank's part holds its numbers; on return every part holds its
	// rank's.
	AllGather(buf []float64, counts []int)
	// Broadcast returns rank 0's b on every rank (b is ignored on the
	// others).
	Broadcast(b []byte) []byte
}

// Local is the Comm of a single process: rank 0 of 1.
type Local struct{}

// Rank returns 0.
func (Local) Rank() int { return 0 }

// Size returns 1.
func (Local) Size() int { return 1 }

// AllGather does nothing: the only part is this rank's.
func (Local) AllGather([]float64, []int) {}

// Broadcast returns b.
func (Local) Broadcast(b []byte) []byte { return b }

// Span returns the contiguous range [lo, hi) of n items (shards, chunks)
// that rank r of size processes: items are dealt out in rank order, the
// counts differing by at most one.
func Span(n, r, size int) (lo, hi int) { return r * n / size, (r + 1) * n / size }
