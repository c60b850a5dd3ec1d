package app

import (
	"context"

	"github.com/mafc-dev/mafc/flow"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/kern"
	"github.com/mafc-dev/mafc/runtime/ode"
)

func blasName() string { return kern.BLASName() }

// flowMany integrates the states x (n×D) and a (n) in direction sigma with
// the exact Laplacian, in chunks spread over workers goroutines, as
// [flow.Flow.Integrate] does. It stops early (returning ctx.Err()) when ctx
// is done.
func flowMany(ctx context.Context, pot mafcrt.Potential, tab *ode.Tableau, steps int, dt float64, x, a []float64, sigma float64, workers, chunk int) error {
	f, err := flow.New(pot, flow.Config{Integrator: tab.Name, Steps: steps, Dt: dt, Workers: max(1, workers), Chunk: max(1, chunk)})
	if err != nil {
		return err
	}
	return f.Integrate(ctx, x, a, sigma)
}
