package flow_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/train"
)

// A generated package evaluates φ, ∇φ and the exact Laplacian Δφ on a batch
// of points (row-major, B×Dim) with a workspace allocated once.
func Example_generatedModel() {
	m := ising8.New() // θ initialised as the spec says
	ws := m.NewWorkspace(2)
	x := make([]float64, 2*ising8.Dim)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	phi, grad, lap := make([]float64, 2), make([]float64, 2*ising8.Dim), make([]float64, 2)
	m.Laplacian(ws, phi, grad, lap, x)
	fmt.Printf("%d parameters, D = %d\n", m.NumParams(), m.Dim())
	fmt.Printf("φ = %.4f, %.4f\n", phi[0], phi[1])
	fmt.Printf("Δφ = %.4f, %.4f\n", lap[0], lap[1])
	// Z2 symmetry by construction: φ(−x) = φ(x).
	for i := range x {
		x[i] = -x[i]
	}
	m.Phi(ws, phi[:1], x[:ising8.Dim])
	fmt.Printf("φ(−x) = %.4f\n", phi[0])
	// Output:
	// 8320 parameters, D = 64
	// φ = -0.1732, 0.0165
	// Δφ = 0.0068, -0.0802
	// φ(−x) = -0.1732
}

// Sample draws points and their exact log-densities; the same seed gives
// the same points as mafc sample -seed.
func ExampleFlow_Sample() {
	f, err := flow.New(ising8.New(), flow.Config{}) // the spec's integrator: RK4, 50 steps of 0.1
	if err != nil {
		log.Fatal(err)
	}
	x, logp, err := f.Sample(3, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d numbers: 3 samples of dimension %d\n", len(x), f.Dim())
	for _, lp := range logp {
		fmt.Printf("ln p = %.2f\n", lp)
	}
	// Output:
	// 192 numbers: 3 samples of dimension 64
	// ln p = -94.02
	// ln p = -88.08
	// ln p = -85.19
}

// LogProb evaluates the exact log-density of given points by integrating
// the flow backwards to the Gaussian base.
func ExampleFlow_LogProb() {
	f, err := flow.New(ising8.New(), flow.Config{})
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float64, 2*f.Dim()) // the origin, and all spins up
	for i := f.Dim(); i < len(x); i++ {
		x[i] = 1
	}
	logp, err := f.LogProb(x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ln p(0) = %.3f, ln p(1) = %.3f\n", logp[0], logp[1])
	// Output:
	// ln p(0) = -58.431, ln p(1) = -91.406
}

// Load reads the parameters of a checkpoint (a file, or the output
// directory of mafc train) into a generated model.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "mafc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	trained, err := flow.Train(context.Background(), ising8.New(), flow.TrainOptions{Steps: 2, Batch: 8})
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "ising8.ckpt")
	if err := trained.Save(path); err != nil {
		log.Fatal(err)
	}

	f, err := flow.Load(path, ising8.New())
	if err != nil {
		log.Fatal(err)
	}
	c := f.Config()
	fmt.Printf("%s after %d steps: %s, %d steps of %g\n", f.Potential().Name(), f.Step(), c.Tableau.Name, c.Steps, c.Dt)
	// Output:
	// ising8 after 2 steps: rk4, 50 steps of 0.1
}

// Train runs the spec's objective and optimiser (here the 8×8 Ising model
// at T_c, by reverse KL, annealed from T = 4: these first steps train at
// T = 4) from Go; the record of each step is passed to After.
func ExampleTrain() {
	f, err := flow.Train(context.Background(), ising8.New(), flow.TrainOptions{
		Steps: 3, Batch: 16, Seed: 1,
		After: func(r train.Record) error {
			fmt.Printf("step %d: loss per site %.2f\n", r.Step, r.Loss)
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("trained", f.Step(), "steps")
	// Output:
	// step 1: loss per site -1.13
	// step 2: loss per site -1.14
	// step 3: loss per site -1.14
	// trained 3 steps
}
