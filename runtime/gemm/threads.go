package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Threading model
//
// A large product is cut into a grid of rectangular blocks of C ("tasks");
// every block is computed independently with private packing buffers, so
// the only synchronisation is handing out task indices (an atomic counter)
// and waiting for the helpers at the end.
//
// The calling goroutine always works on its own job. To get help it posts up
// to Threads()-1 tokens (value-type task structs pointing at the job) on the
// channel feeding a pool of long-lived worker goroutines. A worker that
// receives a token joins the job if it is still open, takes tasks until none
// are left and leaves. When the caller runs out of tasks it closes the job
// and waits only for the helpers that actually joined. Tokens that arrive
// after the job was closed (because all workers were busy with another
// caller's job) are simply dropped, so concurrent callers never wait for
// each other's work and cannot deadlock: workers never block on anything but
// their channel.
//
// Jobs and packing arenas are recycled through buffered channels used as
// free lists, so a call in the steady state performs no allocation.

// threads is the value set by SetThreads; 0 means the default
// (runtime.GOMAXPROCS(0), or OpenBLAS's own thread count with the openblas
// build tag).
var threads atomic.Int64

// SetThreads sets the maximum number of goroutines (the caller included) that
// one Dgemm or Sgemm call uses. n ≤ 0 restores the default,
// runtime.GOMAXPROCS(0). With n == 1 every call runs on the caller's
// goroutine.
//
// Built with the openblas tag, SetThreads sets the size of OpenBLAS's own
// thread pool instead (openblas_set_num_threads), and n ≤ 0 restores the
// count OpenBLAS started with (OPENBLAS_NUM_THREADS, or the number of CPUs).
// That setting is global to the process: do not change it while products
// are running on other goroutines.
func SetThreads(n int) {
	threads.Store(int64(max(n, 0)))
	if haveOpenBLAS {
		openblasSetThreads(Threads())
	}
}

// Threads returns the maximum number of goroutines one call uses (with the
// openblas tag: the number of OpenBLAS threads one call uses).
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	if haveOpenBLAS {
		return openblasDefaultThreads
	}
	return runtime.GOMAXPROCS(0)
}

// arena holds one goroutine's packing buffers, for both precisions, at their
// maximum size (about 6.6 MB in all). They are allocated when the arena is
// made, not on first use: calls are handed to whichever worker or free-list
// arena is next, so lazily filled arenas would allocate on the first call of
// each precision that reaches them, long after warm-up.
type arena struct {
	dgemmA, dgemmB []float64
	sgemmA, sgemmB []float32
}

// newArena returns an arena with all its buffers allocated.
func newArena() *arena {
	return &arena{
		dgemmA: make([]float64, dgemmMC*dgemmKC),
		dgemmB: make([]float64, dgemmKC*dgemmNC),
		sgemmA: make([]float32, sgemmMC*sgemmKC),
		sgemmB: make([]float32, sgemmKC*sgemmNC),
	}
}

// arenas is the free list of arenas used by calling goroutines (workers own
// theirs).
var arenas = make(chan *arena, 64)

func getArena() *arena {
	select {
	case ar := <-arenas:
		return ar
	default:
		return newArena()
	}
}

func putArena(ar *arena) {
	select {
	case arenas <- ar:
	default: // free list full: let the GC have it
	}
}

// jobClosed is the bit of job.state set when the job's owner stops accepting
// helpers; the low bits count helpers currently inside the job.
const jobClosed = 1 << 40

// job is one multithreaded Dgemm or Sgemm call.
type job struct {
	state atomic.Int64  // jobClosed | number of active helpers
	next  atomic.Int64  // next task index to hand out
	done  chan struct{} // the last helper to leave a closed job signals here

	ntask      int64
	tn         int // tasks per block row of the grid
	rows, cols int // size of a task's block of C (multiples of MR, NR)
	m, n       int
	f32        bool
	dgemm      dgemmParams
	sgemm      sgemmParams
}

var jobs = make(chan *job, 64)

func getJob() *job {
	select {
	case j := <-jobs:
		return j
	default:
		return &job{done: make(chan struct{}, 1)}
	}
}

func putJob(j *job) {
	j.dgemm = dgemmParams{} // drop references to the caller's matrices
	j.sgemm = sgemmParams{}
	select {
	case jobs <- j:
	default:
	}
}

// join registers a helper; it fails once the owner closed the job.
func (j *job) join() bool {
	for {
		s := j.state.Load()
		if s&jobClosed != 0 {
			return false
		}
		if j.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// leave unregisters a helper and wakes the owner if it is waiting.
func (j *job) leave() {
	if j.state.Add(-1) == jobClosed {
		j.done <- struct{}{}
	}
}

// work takes tasks until none are left.
func (j *job) work(ar *arena) {
	for {
		t := j.next.Add(1) - 1
		if t >= j.ntask {
			return
		}
		ti, tj := int(t)/j.tn, int(t)%j.tn
		i0, j0 := ti*j.rows, tj*j.cols
		i1, j1 := min(i0+j.rows, j.m), min(j0+j.cols, j.n)
		if j.f32 {
			ar.sgemmBlock(&j.sgemm, i0, i1, j0, j1)
		} else {
			ar.dgemmBlock(&j.dgemm, i0, i1, j0, j1)
		}
	}
}

// task is the value sent to workers.
type task struct{ j *job }

// pool is the set of long-lived worker goroutines.
var pool struct {
	mu      sync.Mutex
	started atomic.Int64
	tasks   chan task
}

func init() {
	pool.tasks = make(chan task, 1024)
}

// ensureWorkers starts workers until at least n exist.
func ensureWorkers(n int) {
	if int(pool.started.Load()) >= n {
		return
	}
	pool.mu.Lock()
	for int(pool.started.Load()) < n {
		go worker()
		pool.started.Add(1)
	}
	pool.mu.Unlock()
}

func worker() {
	ar := newArena()
	for t := range pool.tasks {
		if t.j.join() {
			t.j.work(ar)
			t.j.leave()
		}
	}
}

// execute runs the job j on the calling goroutine with the help of at most
// helpers workers, and returns when every task is done.
func execute(j *job, helpers int) {
	j.next.Store(0)
	j.state.Store(0) // open: publishes the job's parameters to joiners
	if helpers > 0 {
		ensureWorkers(helpers)
		for range helpers {
			select {
			case pool.tasks <- task{j}:
				continue
			default:
			}
			break // channel full: do the rest ourselves
		}
	}
	ar := getArena()
	j.work(ar)
	putArena(ar)
	if j.state.Add(jobClosed) != jobClosed {
		<-j.done
	}
}

// Cost model constants for plan, in units of one multiply-add of the
// micro-kernel: packing one element costs about packCost multiply-adds
// (more than the raw copy: it also evicts cached panels), starting a task
// (waking a worker, loop set-up, edge tiles) about taskCost, and straggler
// is the fraction of a task added for load imbalance (other processes on a
// shared machine). Calibrated on the benchmark shapes on 2 cores: fewer,
// larger blocks win unless the grid would leave a thread idle.
const (
	packCost  = 32
	taskCost  = 20000
	straggler = 0.1
)

// parMNK is the m·n·k below which a call is not worth splitting. A variable
// so that tests can exercise the threaded path on small sizes.
var parMNK = 128 * 128 * 128

// plan chooses how to cut an m×n×k product into blocks of C for t threads.
// It returns the block size (rows a multiple of mr, cols of nr) and the
// grid; tm·tn == 1 means run serially. It minimises the modelled time
// (rounds of tasks plus a straggler allowance, each task costing its
// multiply-adds, its packing and a fixed overhead). With bPacked, op(B) is
// pre-packed and only A is packed per task.
func plan(m, n, k, t, mr, nr, nc int, bPacked bool) (rows, cols, tm, tn int) {
	rows, cols, tm, tn = m, n, 1, 1
	if t <= 1 || m*n*k < parMNK {
		return
	}
	best := -1.0
	maxTasks := 4 * t
	for a := 1; a <= maxTasks; a++ {
		r := roundUp((m+a-1)/a, mr)
		gm := (m + r - 1) / r
		for b := 1; a*b <= maxTasks; b++ {
			c := roundUp((n+b-1)/b, nr)
			gn := (n + c - 1) / c
			ntask := gm * gn
			if ntask < 2 {
				continue
			}
			fm, fn, fk := float64(r), float64(c), float64(k)
			// Packing: B (k×c) once per task unless pre-packed, A (r×k)
			// once per NC columns.
			packB := fk * fn
			if bPacked {
				packB = 0
			}
			cost := fm*fn*fk + packCost*(packB+fm*fk*float64((c+nc-1)/nc)) + taskCost
			rounds := float64((ntask + t - 1) / t)
			total := (rounds + straggler) * cost
			if best < 0 || total < best {
				best = total
				rows, cols, tm, tn = r, c, gm, gn
			}
		}
	}
	if best < 0 {
		return m, n, 1, 1
	}
	return
}
