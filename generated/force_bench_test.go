package generated_test

import (
	"testing"

	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
)

// BenchmarkForceMatchingStep: seconds per training step (batch 64, 50 RK4
// steps, 2 workers, Store) of the paper's model as its code trains it
// (testdata/ising16_rand.maf: a random group element per step, so it is
// integrated in x) with and without force matching (δ = 0.1), interleaved
// after a warm-up step of each, and their ratio.
func BenchmarkForceMatchingStep(b *testing.B) {
	plain := trainer(b, ising16rand.New(), ising16Tc(), 64, 50, 2, ode.Store)
	force := trainer(b, ising16rand.New(), ising16Tc(), 64, 50, 2, ode.Store, func(c *train.Config) { c.ForceMatching = 0.1 })
	defer plain.Close()
	defer force.Close()
	for b.Loop() {
		t := interleave(1, 1, stepper(b, plain), stepper(b, force))
		b.ReportMetric(t[0], "s/step-plain")
		b.ReportMetric(t[1], "s/step-force")
		b.ReportMetric(t[1]/t[0], "force/plain")
	}
	if a := testing.AllocsPerRun(1, stepper(b, force)); a != 0 {
		b.Errorf("%v allocations per force-matching step", a)
	}
}
