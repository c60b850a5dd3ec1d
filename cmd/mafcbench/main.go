// Command mafcbench measures mafc against a PyTorch implementation of the
// same models, side by side in one run:
//
//	go run ./cmd/mafcbench [-threads 2] [-quick] [-float32] [-out DIR] [-cases REGEXP]
//
// Run from the repository root, it prints a table (case, mafc time, PyTorch
// time, PyTorch/mafc) and writes into -out (default
// cmd/mafcbench/bench-results) bench.md (the table, the targets and the
// machine: CPU, cores, Go, torch and its BLAS, git commit, date), bench.png
// (grouped bars, log scale) and bench.json (the numbers).
//
// # What it measures
//
// Three potentials, mafc's checked-in generated packages against the same
// networks written in plain PyTorch (the embedded torchbench.py):
//
//   - mnist (the paper's MNIST potential): φ(x) = w·softplus(Wx + b), W 1024×784, batch 100;
//   - ising16 (the paper's Ising potential): φ(x) = w·lncosh(Wx), W 512×256, no biases, batch 64;
//   - deepmlp: the MLP [784, 1024, 1024] of softplus units, output without bias, batch 100.
//
// For each: φ and ∇φ (mafc Grad; PyTorch torch.autograd.grad), and the exact
// Laplacian Δφ (mafc Laplacian, which also returns φ and ∇φ) against three
// PyTorch formulations: forward-Laplacian propagation (value, Jacobian and
// Laplacian vector carried through the layers, one torch.mm per sample into
// buffers kept between calls past the first layer, also returning φ and
// ∇φ), the trace of the autograd Hessian (vmap(hessian(φ)), from
// torch.func or functorch), and the common autograd loop over the D input
// dimensions (grad of ∂φ/∂x_i with create_graph=True). Then one training step
// of each paper model: ising16 (64 fresh N(0,1) samples, 50 RK4 steps of 0.1
// with ln p, the variational loss against the Ising relaxation; PyTorch uses a
// fixed positive-definite K⁻¹ of the same size) and mnist (100 Gaussian
// samples of dimension 784, 100 RK4 steps of 0.1 in the density direction,
// the negative log-likelihood), backpropagated through the integrator (mafc:
// its discrete adjoint, train.Trainer.Step with BenchmarkTrainStep's
// settings, which for both models integrates in the hidden layer's
// pre-activations (ode.Hidden: the same discrete flow, with 1.53× fewer
// flops for mnist and as many, in fewer and larger products, for ising16;
// the rows say so); PyTorch: autograd through the unrolled RK4, with ∇φ = (w ⊙ σ′(a))·W
// and the one-layer forward-Laplacian formula for Δφ in closed form, which
// ran faster than autograd.grad with create_graph=True), then Adam.
// With -float32, ising16f32 (mafc's float32 kernels) against PyTorch in
// float32: φ and ∇φ, Δφ, training step.
//
// # How
//
// Both sides use the same number of threads T (-threads, default 2): mafc
// runs with GOMAXPROCS = T, T GEMM threads and T trainer workers; PyTorch
// runs in Debian's /usr/bin/python3 with torch.set_num_threads(T),
// OMP_NUM_THREADS = T and libopenblas0-openmp first on LD_LIBRARY_PATH.
// When torch does not import there, mafcbench installs python3-torch and
// libopenblas0-openmp with apt-get as root; otherwise it says so and marks the
// PyTorch column "skipped: …" (-install=false never installs).
//
// The Python script runs as a long-lived worker answering one request per
// line, so that the two sides are timed in the same run, interleaved round by
// round (mafc then PyTorch, the order alternating), on the same machine state.
// Each side first makes one warm-up call (PyTorch's slow Laplacians are
// estimated from partial calls: a few loop dimensions, a few samples of the
// batch); a round repeats fast calls for at least 50 ms; each side reports the
// median over rounds of its mean time per call. Rounds: as many as fit 10 s
// per side, between 5 and 15 (3 for calls over 10 s). -quick uses 2 s, 3 to 5
// rounds, and skips PyTorch cases estimated to need more than 2 minutes
// ("skipped (est. …)" in the table), such as the autograd-loop Laplacian of
// the deep MLP. The Python script also runs on its own
// (python3 torchbench.py --threads 2) and prints one JSON object of timings.
//
// Other processes distort such comparisons, and not evenly: PyTorch's
// OpenMP threads spin at barriers and slow down far more than mafc's
// goroutines when the CPUs are shared. mafcbench therefore measures, from
// /proc/stat, how many CPUs processes other than the two measured ones keep
// busy; before each case it waits (up to -quiet-wait, default 1m) for them to
// go quiet, measures a case they disturbed once more, and reports the load
// of every case (the "other CPU load" column of bench.md, and a warning).
//
// Other flags: -cases REGEXP selects cases by key (mnist/grad,
// deepmlp/lap-fwd, ising16/train, …); -rounds N fixes the rounds (one call
// each); -torch=false measures mafc only; -install=false never installs;
// -python PATH chooses the interpreter.
//
// # Targets
//
//   - a training step of both paper models (ising16, mnist): mafc ≥ 3× faster than PyTorch;
//   - the exact Laplacian of the deep MLP: mafc ≥ 1.5× faster than PyTorch's
//     forward-Laplacian formulation and ≥ 10× faster than its autograd Hessian.
//
// The verdicts are printed under the table and in bench.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/mafc-dev/mafc/runtime/gemm"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	threads int
	quick   bool
	float32 bool
	out     string
	cases   string
	python  string
	install bool
	torch   bool
	rounds  int
	wait    time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mafcbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.threads, "threads", 2, "threads per side: mafc GOMAXPROCS, GEMM threads and trainer workers; torch.set_num_threads and OMP_NUM_THREADS")
	fs.BoolVar(&o.quick, "quick", false, "fewer repetitions; skip PyTorch cases estimated to take more than ~2 minutes")
	fs.BoolVar(&o.float32, "float32", false, "also time float32 (mafc's ising16f32 against PyTorch in float32)")
	fs.StringVar(&o.out, "out", "cmd/mafcbench/bench-results", "folder for bench.md, bench.png and bench.json (relative to the working directory: the repository root in the README's command)")
	fs.StringVar(&o.cases, "cases", "", "only the cases whose key (model/what, e.g. mnist/train) matches this regular expression")
	fs.StringVar(&o.python, "python", debianPython, "the python that imports Debian's python3-torch")
	fs.BoolVar(&o.install, "install", true, "install python3-torch with apt-get (as root) when torch does not import")
	fs.BoolVar(&o.torch, "torch", true, "measure PyTorch (false: the mafc column only)")
	fs.IntVar(&o.rounds, "rounds", 0, "fixed number of rounds of one call each (0: automatic)")
	fs.DurationVar(&o.wait, "quiet-wait", time.Minute, "before each case, wait up to this long for other processes to leave the CPUs idle, and measure a case disturbed by them once more (0: never wait)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./cmd/mafcbench [flags]\n\nmafc against PyTorch on the same models, side by side (see go doc ./cmd/mafcbench).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.threads < 1 {
		return o, fmt.Errorf("-threads must be at least 1")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	start := time.Now()
	o, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mafcbench:", err)
		return 2
	}
	cases, err := filterCases(allCases(o.float32), o.cases)
	if err != nil {
		fmt.Fprintln(stderr, "mafcbench:", err)
		return 2
	}
	runtime.GOMAXPROCS(o.threads)
	gemm.SetThreads(o.threads)

	rep := &report{Machine: newMachine(o.threads), Float32: o.float32, Quick: o.quick}
	client, skip := openTorch(o, rep, stderr)
	if client == nil {
		fmt.Fprintf(stderr, "mafcbench: PyTorch column %s\n", skip)
	} else {
		fmt.Fprintf(stderr, "mafcbench: PyTorch %s; BLAS %s\n", rep.Machine.Torch, rep.Machine.TorchBLAS)
	}
	fmt.Fprintf(stderr, "mafcbench: %d cases, %d threads per side, mafc BLAS %s\n", len(cases), o.threads, rep.Machine.MafcBLAS)

	p := newPlan(o.quick, o.rounds)
	for _, c := range cases {
		res := measureCase(c, o, p, client, skip, stderr)
		rep.Results = append(rep.Results, res)
	}
	if client != nil {
		client.close()
		rep.TorchOut = client.summaries
	}
	rep.Machine.LoadAfter = loadAvg()
	rep.Machine.Wall = time.Since(start).Seconds()
	rep.printTable(stdout)
	status := 0
	if err := rep.write(o.out); err != nil {
		fmt.Fprintln(stderr, "mafcbench:", err)
		status = 1
	} else {
		fmt.Fprintf(stdout, "wrote %s/bench.md, bench.png, bench.json (%s in all)\n", o.out, fmtDur(rep.Machine.Wall))
	}
	for _, r := range rep.Results {
		if r.MafcNote != "" {
			status = 1
		}
	}
	return status
}

// openTorch starts the PyTorch worker when o asks for it and records its
// versions in rep. It returns the worker, or nil with the reason the
// PyTorch column is skipped.
func openTorch(o options, rep *report, stderr io.Writer) (client *torchClient, skip string) {
	skip = "skipped: -torch=false"
	if o.torch {
		if skip = ensureTorch(stderr, o.python, o.install); skip == "" {
			client = &torchClient{python: o.python, threads: o.threads, log: stderr}
			info, err := client.info()
			if err != nil {
				fmt.Fprintf(stderr, "mafcbench: NOT measuring PyTorch: the worker did not start: %v\n", err)
				skip = "skipped: the PyTorch worker failed to start"
				client.close()
				client = nil
			} else {
				rep.Machine.setTorch(info)
			}
		}
	}
	return client, skip
}

// measureCase measures case c with plan p (the PyTorch side through client
// unless nil), after waiting up to o.wait for a quiet machine, and
// measures it once more when the machine was busy, keeping the quieter
// measurement.
func measureCase(c benchCase, o options, p plan, client *torchClient, skip string, stderr io.Writer) result {
	var side torchSide
	pid := 0
	if client != nil {
		side, pid = client, client.pid()
	}
	if o.wait > 0 {
		if quiet, l := waitQuiet(pid, o.wait, stderr, c.Key); !quiet {
			fmt.Fprintf(stderr, "mafcbench: still busy (%.1f CPUs used by other processes); measuring %s anyway\n", l, c.Key)
		}
	}
	res := measure(c, o.threads, p, side, skip, stderr)
	if res.OtherCPU >= busyCPU && o.wait > 0 {
		// Measured on a busy machine: once more after waiting, keeping
		// the quieter measurement.
		if client != nil {
			pid = client.pid()
		}
		if quiet, l := waitQuiet(pid, o.wait, stderr, "measuring "+c.Key+" again"); quiet {
			if again := measure(c, o.threads, p, side, skip, stderr); again.OtherCPU < res.OtherCPU {
				res = again
			}
		} else {
			fmt.Fprintf(stderr, "mafcbench: still busy (%.1f CPUs used by other processes); keeping the first measurement of %s\n", l, c.Key)
		}
	}
	return res
}
