package generated_test

import (
	"testing"

	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16t"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistt"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// BenchmarkTimeStep: seconds per training step of the time-dependent
// variants of the paper's models (ising16_t.maf, mnist_t.maf) against their
// time-independent twins at the same hidden width, interleaved in one run
// (2 workers, the spec's batch and flow). "input" integrates both in x, the
// same integrator (the cost of the time terms alone); "default" lets each
// take the path mafc train takes: both in hidden space (ode.Hidden), where
// the time terms cost O(B·H) per stage. Target: time/twin ≤ 1.25.
func BenchmarkTimeStep(b *testing.B) {
	gauss := func() train.Objective { return &train.Likelihood{Data: train.NewGaussian(784, 1)} }
	cases := []struct {
		name         string
		twin, timed  func() mafcrt.Potential
		obj          func() train.Objective
		batch, steps int
		input        bool
	}{
		{"ising16/input", func() mafcrt.Potential { return ising16.New() }, func() mafcrt.Potential { return ising16t.New() }, ising16Tc, 64, 50, true},
		{"ising16/default", func() mafcrt.Potential { return ising16.New() }, func() mafcrt.Potential { return ising16t.New() }, ising16Tc, 64, 50, false},
		{"mnist/input", func() mafcrt.Potential { return mnist.New() }, func() mafcrt.Potential { return mnistt.New() }, gauss, 100, 100, true},
		{"mnist/default", func() mafcrt.Potential { return mnist.New() }, func() mafcrt.Potential { return mnistt.New() }, gauss, 100, 100, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var opts []func(*train.Config)
			if c.input {
				opts = append(opts, inputSpace)
			}
			tw := trainer(b, c.twin(), c.obj(), c.batch, c.steps, 2, ode.Store, opts...)
			tt := trainer(b, c.timed(), c.obj(), c.batch, c.steps, 2, ode.Store, opts...)
			defer tw.Close()
			defer tt.Close()
			if tw.Hidden() != !c.input || tt.Hidden() != !c.input {
				b.Fatalf("hidden space: twin %t, time variant %t, want %t", tw.Hidden(), tt.Hidden(), !c.input)
			}
			for b.Loop() {
				t := interleave(2, 1, stepper(b, tw), stepper(b, tt))
				b.ReportMetric(t[0], "s/step-twin")
				b.ReportMetric(t[1], "s/step-time")
				b.ReportMetric(t[1]/t[0], "time/twin")
			}
			b.ReportMetric(testing.AllocsPerRun(1, stepper(b, tt)), "allocs/step-time")
			b.ReportMetric(testing.AllocsPerRun(1, stepper(b, tw)), "allocs/step-twin")
		})
	}
}
