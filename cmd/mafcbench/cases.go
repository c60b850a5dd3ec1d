package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"

	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/optim"
)

// benchCase is one row of the comparison. Key ("model/what") is also the
// case name the PyTorch script understands.
type benchCase struct {
	Key   string
	Model string
	What  string // grad, lap-fwd, lap-hessian, lap-loop, train
	Label string // table row
	Short string // chart group
	F32   bool
	// Targets: the least PyTorch/mafc ratio this row should show (0: none).
	Target float64
}

// model describes one of the checked-in generated packages.
type model struct {
	new   func() mafcrt.Potential
	batch int
	short string
	// training settings (BenchmarkTrainStep's); steps == 0: no training case
	obj   func() (train.Objective, error)
	steps int
}

var models = map[string]model{
	"mnist":      {func() mafcrt.Potential { return mnist.New() }, 100, "mnist", mnistObjective, 100},
	"ising16":    {func() mafcrt.Potential { return ising16.New() }, 64, "ising", isingObjective, 50},
	"ising16f32": {func() mafcrt.Potential { return ising16f32.New() }, 64, "ising32", isingObjective, 50},
	"deepmlp":    {func() mafcrt.Potential { return deepmlp.New() }, 100, "deep", nil, 0},
}

func isingObjective() (train.Objective, error) {
	o, err := train.NewVariational(16, 16, 2.269185314213022, 1)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// mnistObjective is maximum likelihood on Gaussian data of MNIST's
// dimension: the cost of a step does not depend on the data, and the
// benchmark needs no download (as in BenchmarkTrainStep).
func mnistObjective() (train.Objective, error) {
	return &train.Likelihood{Data: train.NewGaussian(784, 1)}, nil
}

// allCases lists the comparison rows in table order; float32 adds the
// ising16f32 rows.
func allCases(float32 bool) []benchCase {
	var cs []benchCase
	kernel := func(name, dims string) {
		m := models[name]
		b := m.batch
		row := func(what, desc, short string, target float64) {
			cs = append(cs, benchCase{Key: name + "/" + what, Model: name, What: what,
				Label: fmt.Sprintf("%s B=%d: %s", name, b, desc), Short: m.short + " " + short, Target: target})
		}
		row("grad", "φ, ∇φ  (PyTorch: autograd.grad)", "grad", 0)
		deepTarget := func(t float64) float64 {
			if name == "deepmlp" {
				return t
			}
			return 0
		}
		row("lap-fwd", "exact Δφ  (PyTorch: forward Laplacian)", "lap fwdL", deepTarget(1.5))
		row("lap-hessian", "exact Δφ  (PyTorch: trace of vmap(hessian))", "lap hess", deepTarget(10))
		row("lap-loop", fmt.Sprintf("exact Δφ  (PyTorch: autograd loop over %s dims)", dims), "lap loop", 0)
	}
	kernel("mnist", "784")
	kernel("ising16", "256")
	kernel("deepmlp", "784")
	trainRow := func(name string, target float64) {
		m := models[name]
		label := fmt.Sprintf("%s train step: B=%d, %d RK4 steps, adjoint, Adam", name, m.batch, m.steps)
		if ode.PreferHidden(m.new().Program(), false) {
			label += " (mafc integrates in the hidden layer)"
		}
		cs = append(cs, benchCase{Key: name + "/train", Model: name, What: "train",
			Label: label,
			Short: m.short + " train", Target: target, F32: name == "ising16f32"})
	}
	trainRow("ising16", 3)
	trainRow("mnist", 3)
	if float32 {
		m := models["ising16f32"]
		cs = append(cs,
			benchCase{Key: "ising16f32/grad", Model: "ising16f32", What: "grad", F32: true,
				Label: fmt.Sprintf("ising16f32 B=%d: φ, ∇φ (float32)", m.batch), Short: "ising32 grad"},
			benchCase{Key: "ising16f32/lap-fwd", Model: "ising16f32", What: "lap-fwd", F32: true,
				Label: fmt.Sprintf("ising16f32 B=%d: exact Δφ (float32; PyTorch: forward Laplacian)", m.batch), Short: "ising32 lap fwdL"})
		trainRow("ising16f32", 0)
	}
	return cs
}

// filterCases keeps the cases whose key matches re ("" keeps all).
func filterCases(cs []benchCase, re string) ([]benchCase, error) {
	if re == "" {
		return cs, nil
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("-cases: %v", err)
	}
	var out []benchCase
	for _, c := range cs {
		if r.MatchString(c.Key) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-cases %q matches no case", re)
	}
	return out, nil
}

func randn(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// mafcRunner returns one call of the case on the mafc side and a function
// releasing what it holds. Kernels get φ, ∇φ (and Δφ) like their PyTorch
// counterparts; training steps use BenchmarkTrainStep's settings with
// workers = threads.
func mafcRunner(c benchCase, threads int) (run func() error, done func(), err error) {
	m, ok := models[c.Model]
	if !ok {
		return nil, nil, fmt.Errorf("unknown model %q", c.Model)
	}
	pot := m.new()
	if c.What == "train" {
		if m.obj == nil {
			return nil, nil, fmt.Errorf("%s: no training case", c.Model)
		}
		obj, err := m.obj()
		if err != nil {
			return nil, nil, err
		}
		tr, err := train.New(pot, obj, train.Config{
			Steps: 1 << 20, Batch: m.batch, Seed: 1, Workers: threads,
			Optimizer: optim.Settings{Name: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
			Flow:      ode.Config{Tableau: ode.RK4, Steps: m.steps, Dt: 0.1, Memory: ode.Store, Every: 10},
		})
		if err != nil {
			return nil, nil, err
		}
		return func() error { _, err := tr.Step(); return err }, tr.Close, nil
	}
	B, D := m.batch, pot.Dim()
	ws := pot.NewWorkspace(B)
	x := randn(B*D, 1)
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	switch c.What {
	case "grad":
		return func() error { pot.Grad(ws, phi, grad, x); return nil }, func() {}, nil
	case "lap-fwd", "lap-hessian", "lap-loop":
		return func() error { pot.Laplacian(ws, phi, grad, lap, x); return nil }, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown case %q", c.Key)
}
