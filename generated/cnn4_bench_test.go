package generated_test

import (
	"os"
	"testing"

	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16cnn4"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
)

// BenchmarkCNN4TrainStep: seconds per training step (batch 64, cnnFlowSteps
// RK4 steps, 2 workers, Store) of the paper's MLP (ising16) and of the
// 4-channel exactly symmetric CNN (examples/ising16_cnn4.maf) with the exact
// Laplacian and with Hutchinson's estimate, interleaved after a warm-up step
// of each. MAFC_CNN4_ONLY=exact or =hutchinson steps only that trainer (for
// a profile of one kind of step).
func BenchmarkCNN4TrainStep(b *testing.B) {
	hutch := func(c *train.Config) { c.Flow.Hutchinson = true }
	mlp := trainer(b, ising16.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store)
	exact := trainer(b, ising16cnn4.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store)
	hut := trainer(b, ising16cnn4.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store, hutch)
	defer mlp.Close()
	defer exact.Close()
	defer hut.Close()
	switch os.Getenv("MAFC_CNN4_ONLY") {
	case "exact":
		for b.Loop() {
			stepper(b, exact)()
		}
		return
	case "hutchinson":
		for b.Loop() {
			stepper(b, hut)()
		}
		return
	}
	for b.Loop() {
		t := interleave(1, 1, stepper(b, mlp), stepper(b, exact), stepper(b, hut))
		b.ReportMetric(t[0], "s/step-mlp")
		b.ReportMetric(t[1], "s/step-cnn4-exact")
		b.ReportMetric(t[2], "s/step-cnn4-hutchinson")
		b.ReportMetric(t[1]/t[0], "exact/mlp")
		b.ReportMetric(t[2]/t[0], "hutchinson/mlp")
	}
}
