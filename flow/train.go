package flow

import (
	"context"
	"fmt"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// TrainOptions are the settings of [Train]. Zero fields take the program's
// (the spec's train block; steps default to 1000).
type TrainOptions struct {
	// Program holds the spec's flow and training settings, and its data
	// file (resolved against Program.File); nil takes the potential's own
	// program. Its kernel hash must be the potential's.
	Program *ir.Program
	Steps   int     // optimiser steps
	Batch   int     // samples per step
	Seed    uint64  // seed of the training's random numbers (0: the spec's)
	LR      float64 // learning rate
	Workers int     // goroutines (0: GOMAXPROCS); results do not depend on it
	// MNISTDir is the directory of the MNIST files for likelihood(mnist)
	// ("": located through the Go module cache).
	MNISTDir string
	// After, if not nil, is called after every step with its record; an
	// error stops training and is returned.
	After func(train.Record) error
}

// Train trains pot's parameters in place with the objective and
// optimiser of its spec, for the given number of steps, and returns its
// flow. A seeded run gives the same parameters whatever Workers is. It
// stops early, returning ctx.Err() and the flow as it is, when ctx is
// done. It does not write checkpoints: call [Flow.Save].
func Train(ctx context.Context, pot mafcrt.Potential, o TrainOptions) (*Flow, error) {
	p := o.Program
	if p == nil {
		p = pot.Program()
	}
	if p.Hash() != pot.Program().Hash() {
		return nil, fmt.Errorf("flow: the program %q does not match the potential %q's kernels (hash %.12s vs %.12s)", p.Name, pot.Name(), p.Hash(), pot.Program().Hash())
	}
	if p.Train.Objective.Kind == "" {
		return nil, fmt.Errorf("flow: %s has no train block: add `train { objective = … }` to the spec", p.Name)
	}
	cfg, err := train.ConfigFor(p)
	if err != nil {
		return nil, err
	}
	cfg.Steps = pick(o.Steps, cfg.Steps, 1000)
	cfg.Batch = pick(o.Batch, cfg.Batch, 64)
	cfg.Optimizer.TotalSteps = cfg.Steps
	if o.Seed != 0 {
		cfg.Seed = o.Seed
	}
	if o.LR > 0 {
		cfg.Optimizer.LR = o.LR
	}
	f, err := New(pot, Config{Config: ode.Config{Tableau: cfg.Flow.Tableau, Steps: cfg.Flow.Steps, Dt: cfg.Flow.Dt}, Workers: o.Workers})
	if err != nil {
		return nil, err
	}
	cfg.Workers = f.cfg.Workers
	obj, err := train.ObjectiveFor(ctx, p, cfg.Batch, cfg.Seed, o.MNISTDir)
	if err != nil {
		return nil, err
	}
	tr, err := train.New(pot, obj, cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	err = tr.Run(ctx, func(rec train.Record) error {
		f.step = rec.Step
		if o.After != nil {
			return o.After(rec)
		}
		return nil
	})
	return f, err
}

// pick returns the first positive value.
func pick(v ...int) int {
	for _, x := range v {
		if x > 0 {
			return x
		}
	}
	return 0
}
