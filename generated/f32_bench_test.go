package generated_test

import (
	"math"
	"testing"
	"time"

	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistf32"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
)

// BenchmarkFloat32MNISTStep: seconds per training step of the paper's MNIST
// model (batch 100, 100 RK4 steps, 2 workers, Store; Gaussian data of
// MNIST's dimension, as in BenchmarkTrainStep) in float64 and float32
// (mnist, mnistf32: both integrated in the hidden layer's pre-activations,
// ode.Hidden in each precision): after a warm-up step of each, two rounds
// of one step of each in turn, the best round of each counting, in wall
// time and in the process's CPU time (which other processes on a shared
// machine do not inflate), with the relative difference of the last two
// steps' losses. Target: float32 ≥ 1.6× faster. Run with -benchtime 1x
// -count N for N such measurements.
func BenchmarkFloat32MNISTStep(b *testing.B) {
	const batch, steps = 100, 100
	data := func() train.Objective { return &train.Likelihood{Data: train.NewGaussian(784, 1)} }
	t64 := trainer(b, mnist.New(), data(), batch, steps, 2, ode.Store)
	t32 := trainer(b, mnistf32.New(), data(), batch, steps, 2, ode.Store)
	defer t64.Close()
	defer t32.Close()
	if !t64.Hidden() || !t32.Hidden() {
		b.Fatal("expected both trainers in hidden space")
	}
	var l64, l32 float64
	step := func(tr *train.Trainer, loss *float64) func() {
		return func() {
			r, err := tr.Step()
			if err != nil {
				b.Fatal(err)
			}
			*loss = r.Loss
		}
	}
	for b.Loop() {
		wall, cpu := interleaveCPU(2, step(t64, &l64), step(t32, &l32))
		b.ReportMetric(wall[0], "s/step-float64")
		b.ReportMetric(wall[1], "s/step-float32")
		b.ReportMetric(wall[0]/wall[1], "speedup")
		b.ReportMetric(cpu[0], "cpu-s/step-float64")
		b.ReportMetric(cpu[1], "cpu-s/step-float32")
		b.ReportMetric(cpu[0]/cpu[1], "cpu-speedup")
		b.ReportMetric(math.Abs(l32-l64)/math.Abs(l64)*1e6, "loss-reldiff-ppm")
	}
}

// interleaveCPU is interleave with one call per round, also timing each
// call in process CPU seconds (cpuSeconds); it returns the best round of
// each function in wall and in CPU seconds.
func interleaveCPU(rounds int, fs ...func()) (wall, cpu []float64) {
	wall, cpu = make([]float64, len(fs)), make([]float64, len(fs))
	for i, f := range fs {
		f() // warm up
		wall[i], cpu[i] = math.Inf(1), math.Inf(1)
	}
	for range rounds {
		for i, f := range fs {
			start, c0 := time.Now(), cpuSeconds()
			f()
			wall[i] = min(wall[i], time.Since(start).Seconds())
			cpu[i] = min(cpu[i], cpuSeconds()-c0)
		}
	}
	return wall, cpu
}
