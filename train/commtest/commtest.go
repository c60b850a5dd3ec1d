// Package commtest provides an in-process [train.Comm] for tests: a group
// of n communicators, one per goroutine, that behave like the n ranks of an
// MPI job without MPI.
package commtest

import (
	"slices"
	"sync"

	"github.com/mafc-dev/mafc/train"
)

// Group returns the communicators of n ranks; rank r must be used by one
// goroutine, and all n must make the same collective calls in the same
// order (a missing call blocks the others forever, as in MPI).
func Group(n int) []train.Comm {
	g := &group{n: n, bufs: make([][]float64, n)}
	g.cond = sync.NewCond(&g.mu)
	out := make([]train.Comm, n)
	for r := range out {
		out[r] = &comm{g: g, rank: r}
	}
	return out
}

type group struct {
	n        int
	mu       sync.Mutex
	cond     *sync.Cond
	arrived  int
	phase    int
	bufs     [][]float64
	bytes    []byte
	gathered int // calls of AllGather, for Calls
}

// barrier returns once all n ranks have called it.
func (g *group) barrier() {
	g.mu.Lock()
	defer g.mu.Unlock()
	phase := g.phase
	g.arrived++
	if g.arrived == g.n {
		g.arrived = 0
		g.phase++
		g.cond.Broadcast()
		return
	}
	for phase == g.phase {
		g.cond.Wait()
	}
}

type comm struct {
	g    *group
	rank int
}

func (c *comm) Rank() int { return c.rank }
func (c *comm) Size() int { return c.g.n }

func (c *comm) AllGather(buf []float64, counts []int) {
	g := c.g
	g.mu.Lock()
	g.bufs[c.rank] = buf
	if c.rank == 0 {
		g.gathered++
	}
	g.mu.Unlock()
	g.barrier()
	off := 0
	for q, n := range counts {
		if q != c.rank {
			copy(buf[off:off+n], g.bufs[q][off:off+n])
		}
		off += n
	}
	g.barrier() // nobody changes its buffer before all have read it
}

func (c *comm) Broadcast(b []byte) []byte {
	g := c.g
	if c.rank == 0 {
		g.mu.Lock()
		g.bytes = b
		g.mu.Unlock()
	}
	g.barrier()
	g.mu.Lock()
	out := slices.Clone(g.bytes)
	g.mu.Unlock()
	g.barrier()
	return out
}

// Gathers returns the number of AllGather calls the group made so far.
func Gathers(c train.Comm) int {
	g := c.(*comm).g
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gathered
}
