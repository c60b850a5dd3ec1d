package ode

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
)

// ConfigFor returns the integrator settings of a program's flow block:
// the method (Tableau), the number of steps and the step size. It is the
// one place where they are read from the IR; the training settings
// (Hutchinson, Memory, Every, InputSpace) and MaxBatch are left zero for
// the caller (train.ConfigFor sets the spec's). It returns an error if the
// program names an unknown integrator.
func ConfigFor(p *ir.Program) (Config, error) {
	tab, err := TableauFor(p.Flow.Integrator)
	if err != nil {
		return Config{}, err
	}
	return Config{Tableau: tab, Steps: p.Flow.Steps, Dt: p.Flow.Dt}, nil
}

// MemoryFor returns the memory mode with the given name ("store" or
// "recompute", as in a spec's train block and mafc train's -memory).
func MemoryFor(name string) (Memory, error) {
	switch name {
	case "store":
		return Store, nil
	case "recompute":
		return Recompute, nil
	}
	return Store, fmt.Errorf("ode: unknown memory mode %q (want store or recompute)", name)
}
