package cli

import (
	"context"
	"github.com/mafc-dev/mafc/ir"

	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/kern"
	"github.com/mafc-dev/mafc/train"
)

func blasName() string { return kern.BLASName() }

// flowMany integrates the states x (n×D) and a (n) in direction sigma with
// the integrator settings oc ([ode.ConfigFor]) and the exact Laplacian, in chunks spread over workers goroutines, as
// [flow.Flow.Integrate] does. It stops early (returning ctx.Err()) when ctx
// is done.
func flowMany(ctx context.Context, pot mafcrt.Potential, oc ode.Config, x, a []float64, sigma float64, workers, chunk int) error {
	f, err := flow.New(pot, flow.Config{Config: oc, Workers: max(1, workers), Chunk: max(1, chunk)})
	if err != nil {
		return err
	}
	return f.Integrate(ctx, x, a, sigma)
}

// flowSpread is flowMany spread over the processes of comm (nil: this one
// alone): each rank integrates a contiguous run of whole chunks, and the
// results are gathered, so every rank ends with the numbers flowMany gives
// one process (the same chunks, the same random draws). All ranks must
// call it with the same arguments.
func flowSpread(ctx context.Context, comm train.Comm, pot mafcrt.Potential, oc ode.Config, x, a []float64, sigma float64, workers, chunk int) error {
	if comm == nil || comm.Size() == 1 {
		return flowMany(ctx, pot, oc, x, a, sigma, workers, chunk)
	}
	D, n := pot.Dim(), len(a)
	chunk = max(1, min(chunk, n))
	chunks := (n + chunk - 1) / chunk
	size := comm.Size()
	xCounts, aCounts := make([]int, size), make([]int, size)
	for r := range size {
		c0, c1 := train.Span(chunks, r, size)
		lo, hi := min(c0*chunk, n), min(c1*chunk, n)
		xCounts[r], aCounts[r] = (hi-lo)*D, hi-lo
	}
	c0, c1 := train.Span(chunks, comm.Rank(), size)
	lo, hi := min(c0*chunk, n), min(c1*chunk, n)
	f, err := flow.New(pot, flow.Config{Config: oc, Workers: max(1, workers), Chunk: chunk})
	if err != nil {
		return err
	}
	if err := f.IntegrateAt(ctx, x[lo*D:hi*D], a[lo:hi], sigma, lo); err != nil {
		return err
	}
	comm.AllGather(x, xCounts)
	comm.AllGather(a, aCounts)
	return nil
}

// Evaluation batch sizes: the points one integrator call takes in
// densityNLL. The hidden-space integrator (ode.Hidden, the MNIST model's)
// spends nearly all its time in one H×H product per stage, whose rate
// grows with its rows: mafc eval of 1000 MNIST test images with 2 workers
// took 82.8 and 94.8 s against 94.8 and 116.1 s with 25 (interleaved, on the
// shared 2-core machine at load average 26; the same NLL to every printed
// digit), and Hidden.Run alone took 14.3 against 16.4–18.8 ms per image and
// 50 steps at 250 against 25 images. The buffers stay small
// (about 25·B·H numbers per worker without recording, 52 MB at H = 1024). The
// input-space integrator keeps the small chunks, whose Jacobian workspaces
// grow with them.
const (
	evalChunkHidden = 256
	evalChunkInput  = 25
)

// evalChunk returns the evaluation batch size for the kernels of p. It
// does not depend on the number of workers, so neither do the results.
func evalChunk(p *ir.Program) int {
	if ode.PreferHidden(p, false) {
		return evalChunkHidden
	}
	return evalChunkInput
}
