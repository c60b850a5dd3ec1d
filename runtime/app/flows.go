package app

import (
	"context"
	"errors"
	"sync"

	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/kern"
	"github.com/mafc-dev/mafc/runtime/ode"
)

func blasName() string { return kern.BLASName() }

// flowMany integrates the states x (n×D) and a (n) in direction sigma with
// the exact Laplacian, in chunks spread over workers goroutines, each with
// its own integrator (seeded by the chunk's start; in the hidden layer's
// pre-activations where ode.PreferHidden says it is cheaper). It stops early (returning ctx.Err()) when ctx is done.
func flowMany(ctx context.Context, pot mafcrt.Potential, tab *ode.Tableau, steps int, dt float64, x, a []float64, sigma float64, workers, chunk int) error {
	D := pot.Dim()
	n := len(a)
	if n == 0 {
		return nil
	}
	chunk = max(1, min(chunk, n))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < max(1, workers); w++ {
		it, err := ode.NewFlow(pot, ode.Config{Tableau: tab, Steps: steps, Dt: dt, MaxBatch: chunk, NoRecord: true})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range jobs {
				hi := min(lo+chunk, n)
				// The seed (of random symmetry elements, if the
				// potential has any) is the chunk's start: both
				// directions of a round trip draw the same elements.
				it.Run(x[lo*D:hi*D], a[lo:hi], sigma, false, uint64(lo))
			}
		}()
	}
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			mu.Lock()
			firstErr = err
			mu.Unlock()
			break
		}
		jobs <- lo
	}
	close(jobs)
	wg.Wait()
	return errors.Join(firstErr)
}
