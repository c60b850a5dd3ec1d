package train

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train/optim"
)

// ConfigFor returns the training settings of a program's spec: the
// optimiser steps, batch, seed and optimiser of its train block (the
// cosine decay spans the steps), two shards, and the integrator settings
// of its flow block ([ode.ConfigFor]) with the train block's Laplacian,
// memory mode and segment length (at least 10). Workers and Comm are left
// zero. Callers that override Steps should set Optimizer.TotalSteps too.
// It returns an error if the program has no train block.
func ConfigFor(p *ir.Program) (Config, error) {
	t := p.Train
	if t.Objective.Kind == "" {
		return Config{}, fmt.Errorf("train: %s has no train block: add `train { objective = … }` to the spec", p.Name)
	}
	fl, err := ode.ConfigFor(p)
	if err != nil {
		return Config{}, err
	}
	if fl.Memory, err = ode.MemoryFor(t.Memory); err != nil {
		return Config{}, err
	}
	fl.Hutchinson = t.Laplacian == "hutchinson"
	fl.Every = max(t.RecomputeEvery, 10)
	o := t.Optimizer
	return Config{
		Steps: t.Steps, Batch: t.Batch, Seed: t.Seed, Shards: 2,
		Optimizer: optim.Settings{Name: o.Name, LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay,
			Momentum: o.Momentum, Schedule: o.Schedule, Warmup: o.Warmup, TotalSteps: t.Steps},
		Flow:          fl,
		ForceMatching: t.ForceMatching,
	}, nil
}
