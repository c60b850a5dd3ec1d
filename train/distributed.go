package train

import (
	"errors"
	"fmt"
	"math"
)

// ErrPeer is wrapped by the error of a step in which another process of
// the job failed (Config.Comm): that process reports why.
var ErrPeer = errors.New("another process of the job failed")

// distributed is a Trainer's state for several processes. Every rank draws
// the whole batch (Objective.Next, in step order, as one process does),
// computes the shards [lo, hi), and then gathers all shards' gradients and
// per-sample losses, so that the fixed-order sum of Step is computed from
// the same numbers, in the same order, on every rank.
type distributed struct {
	t      *Trainer
	comm   Comm
	lo, hi int // this rank's shards

	grads      []float64 // all shards' gradients, shard after shard; Trainer.shardGrad are views
	gradCounts []int     // numbers of grads per rank
	sampleLo   []int     // rank r computes the samples [sampleLo[r], sampleLo[r+1])
	side       []float64 // per rank: its samples' losses, then its flags
	sideOff    []int     // offset of each rank's part of side
	sideCounts []int
	xCounts    []int // numbers of x(T) per rank (FinalStates)
	aCounts    []int // numbers of a(T) per rank

	stop    bool // this rank was asked to stop (Run)
	stopAll bool // some rank was asked to stop in the last step
}

// Flags a rank sends with its losses.
const (
	flagFailed = 1 // computing a shard failed
	flagStop   = 2 // asked to stop after this step
)

// maxGather is the most numbers one gather may hold: MPI counts are C ints.
const maxGather = math.MaxInt32

func newDistributed(t *Trainer, lo, hi int) (*distributed, error) {
	comm, S, P, D := t.Cfg.Comm, t.Cfg.Shards, t.Pot.NumParams(), t.Pot.Dim()
	if S*P > maxGather || t.Cfg.Batch*D > maxGather {
		return nil, fmt.Errorf("train: the gradients of %d shards (%d numbers) are too many to gather between processes in one call: use fewer shards", S, S*P)
	}
	size := comm.Size()
	d := &distributed{t: t, comm: comm, lo: lo, hi: hi, grads: make([]float64, S*P)}
	for s := 0; s < S; s++ {
		t.shardGrad = append(t.shardGrad, d.grads[s*P:(s+1)*P:(s+1)*P])
	}
	off := 0
	for r := 0; r < size; r++ {
		slo, shi := Span(S, r, size)
		n := t.shardLo[shi] - t.shardLo[slo]
		d.gradCounts = append(d.gradCounts, (shi-slo)*P)
		d.sampleLo = append(d.sampleLo, t.shardLo[slo])
		d.sideOff = append(d.sideOff, off)
		d.sideCounts = append(d.sideCounts, n+1)
		d.xCounts = append(d.xCounts, n*D)
		d.aCounts = append(d.aCounts, n)
		off += n + 1
	}
	d.sampleLo = append(d.sampleLo, t.Cfg.Batch)
	d.side = make([]float64, off)
	return d, nil
}

// gather exchanges the step's shard gradients, losses and flags. own is
// this rank's error computing its shards. It returns own, or an error
// wrapping [ErrPeer] when another rank failed, so that every rank fails
// the same step.
func (d *distributed) gather(own error) error {
	t, r := d.t, d.comm.Rank()
	part := d.side[d.sideOff[r] : d.sideOff[r]+d.sideCounts[r]]
	n := len(part) - 1
	copy(part[:n], t.loss[d.sampleLo[r]:d.sampleLo[r+1]])
	flags := 0
	if own != nil {
		flags |= flagFailed
	}
	if d.stop {
		flags |= flagStop
	}
	part[n] = float64(flags)
	d.comm.AllGather(d.grads, d.gradCounts)
	d.comm.AllGather(d.side, d.sideCounts)
	failed := -1
	d.stopAll = false
	for q := range d.sideCounts {
		part := d.side[d.sideOff[q] : d.sideOff[q]+d.sideCounts[q]]
		n := len(part) - 1
		copy(t.loss[d.sampleLo[q]:d.sampleLo[q+1]], part[:n])
		f := int(part[n])
		if f&flagFailed != 0 && failed < 0 && q != r {
			failed = q
		}
		if f&flagStop != 0 {
			d.stopAll = true
		}
	}
	switch {
	case own != nil:
		return own
	case failed >= 0:
		return fmt.Errorf("train: step %d: process %d of %d failed computing its shards (its own message says why): %w", t.step+1, failed, len(d.sideCounts), ErrPeer)
	}
	return nil
}

// gatherStates gathers the final states x(T), a(T) of the last step.
func (d *distributed) gatherStates() {
	d.comm.AllGather(d.t.xT, d.xCounts)
	d.comm.AllGather(d.t.aT, d.aCounts)
}
