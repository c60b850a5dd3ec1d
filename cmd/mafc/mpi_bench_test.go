//go:build mpi && cgo

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	mnistmodel "github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/internal/mpitest"
	"github.com/mafc-dev/mafc/ode"
	trainer "github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/mpi"
	"github.com/mafc-dev/mafc/train/optim"
)

// The MNIST step benchmark of the README ("Many processes (MPI)"):
//
//	MAFC_MPI_BENCH=1 go test -tags mpi -run '^TestBenchMPIStep$' -v -timeout 30m ./cmd/mafc/
//
// It times training steps of the paper's MNIST model (batch 100, 2 shards)
// as 1 process × 2 workers and as 2 MPI ranks × 1 worker, interleaved, and
// the all-gather of the 2 shards' gradients between 2 ranks. Settings:
// MAFC_MPI_BENCH_STEPS (timed steps per run, default 3),
// MAFC_MPI_BENCH_REPS (runs of each, default 3).

func init() {
	if os.Getenv("MAFC_MPI_BENCH_CHILD") == "1" {
		os.Exit(benchChild())
	}
}

// benchChild trains the MNIST model a warm-up step and then the timed
// steps, printing "step SECONDS" lines (rank 0), and under MPI the median
// time of gathering the gradients ("gather SECONDS NUMBERS").
func benchChild() int {
	var comm trainer.Comm = trainer.Local{}
	var world *mpi.World
	if launched, _ := mpiJob(); launched {
		w, err := mpi.Init()
		if err != nil {
			fmt.Println(err)
			return 1
		}
		comm, world = w, w
	}
	steps, _ := strconv.Atoi(os.Getenv("MAFC_MPI_BENCH_STEPS"))
	workers, _ := strconv.Atoi(os.Getenv("MAFC_MPI_BENCH_WORKERS"))
	pot := mnistmodel.New()
	p := pot.Program()
	obj, err := trainer.ObjectiveFor(context.Background(), p, 100, 1, "")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	o := p.Train.Optimizer
	tr, err := trainer.New(pot, obj, trainer.Config{Steps: steps + 1, Batch: 100, Seed: 1, Workers: workers, Shards: 2,
		Optimizer: optim.Settings{Name: o.Name, LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay},
		Flow:      ode.Config{Tableau: ode.RK4, Steps: p.Flow.Steps, Dt: p.Flow.Dt}, Comm: comm})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	err = tr.Run(context.Background(), func(rec trainer.Record) error {
		if rec.Step > 1 && comm.Rank() == 0 {
			fmt.Printf("step %g\n", rec.Seconds)
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if world != nil {
		n := 2 * pot.NumParams()
		buf := make([]float64, n)
		counts := []int{n / 2, n - n/2}
		var ts []float64
		for range 21 {
			start := time.Now()
			world.AllGather(buf, counts)
			ts = append(ts, time.Since(start).Seconds())
		}
		slices.Sort(ts)
		if comm.Rank() == 0 {
			fmt.Printf("gather %g %d\n", ts[len(ts)/2], n)
		}
		if err := world.Finalize(); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	return 0
}

// TestBenchMPIStep is the benchmark described above; it runs only with
// MAFC_MPI_BENCH=1.
func TestBenchMPIStep(t *testing.T) {
	if os.Getenv("MAFC_MPI_BENCH") != "1" {
		t.Skip("a benchmark of several minutes: set MAFC_MPI_BENCH=1 to run it")
	}
	steps, reps := os.Getenv("MAFC_MPI_BENCH_STEPS"), 3
	if steps == "" {
		steps = "3"
	}
	if r, err := strconv.Atoi(os.Getenv("MAFC_MPI_BENCH_REPS")); err == nil && r > 0 {
		reps = r
	}
	stepRE, gatherRE := regexp.MustCompile(`(?m)^step (\S+)$`), regexp.MustCompile(`(?m)^gather (\S+) (\d+)$`)
	parse := func(out []byte) (step []float64, gather float64) {
		for _, m := range stepRE.FindAllStringSubmatch(string(out), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			step = append(step, v)
		}
		if m := gatherRE.FindStringSubmatch(string(out)); m != nil {
			gather, _ = strconv.ParseFloat(m[1], 64)
		}
		return step, gather
	}
	var one, two, gathers []float64
	for rep := range reps {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "MAFC_MPI_BENCH_CHILD=1", "MAFC_MPI_BENCH_STEPS="+steps, "MAFC_MPI_BENCH_WORKERS=2")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		s, _ := parse(out)
		one = append(one, s...)
		cmd = mpitest.Command(t, 2, []string{"MAFC_MPI_BENCH_CHILD=1", "MAFC_MPI_BENCH_STEPS=" + steps, "MAFC_MPI_BENCH_WORKERS=1"}, os.Args[0])
		out, err = cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		s, g := parse(out)
		two, gathers = append(two, s...), append(gathers, g)
		t.Logf("repetition %d: 1 process × 2 workers %v s, 2 ranks × 1 worker %v s, gather %.4f s", rep+1, one[len(one)-len(s):], s, g)
	}
	med := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	m1, m2 := med(one), med(two)
	lscpu, _ := exec.Command("lscpu").Output()
	model := regexp.MustCompile(`(?m)^Model name:\s*(.*)$`).FindSubmatch(lscpu)
	var cpu string
	if model != nil {
		cpu = string(model[1])
	}
	t.Logf("MNIST step (batch 100, 2 shards), CPU %q, medians of %d steps: 1 process × 2 workers %.3f s, 2 ranks × 1 worker %.3f s (%+.1f%%); all-gather of %d gradients' numbers between 2 ranks: %.4f s",
		cpu, len(one), m1, m2, 100*(m2/m1-1), 2*mnistmodel.New().NumParams(), med(gathers))
}
