package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mafc-dev/mafc/data/mnist"
	"github.com/mafc-dev/mafc/ir"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// EvalReport is the report.json that mafc eval -report writes for MNIST:
// one entry per checkpoint evaluated.
type EvalReport struct {
	Model       string           `json:"model"`
	Hash        string           `json:"hash"`
	Checkpoints []CheckpointEval `json:"checkpoints"`
}

// CheckpointEval is the evaluation of one checkpoint on MNIST splits.
type CheckpointEval struct {
	Checkpoint string       `json:"checkpoint"` // the -ckpt entry
	Step       int64        `json:"step"`       // optimiser steps behind θ
	Epoch      float64      `json:"epoch"`      // epochs of training behind θ (fractional)
	NLL        []*NLLResult `json:"nll"`        // one result per split, in -split order
	Seconds    float64      `json:"seconds"`    // the evaluation's wall time
}

// mnistSplits parses -split for MNIST: a comma-separated list of train,
// valid and test (default test), each at most once.
func mnistSplits(s string) ([]string, error) {
	if s == "" {
		return []string{"test"}, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "validation" {
			w = "valid"
		}
		switch w {
		case "train", "valid", "test":
		default:
			return nil, usagef("-split: unknown split %q in %q (want a comma-separated list of train, valid and test)", w, s)
		}
		if seen[w] {
			return nil, usagef("-split: %q given twice in %q", w, s)
		}
		seen[w] = true
		out = append(out, w)
	}
	return out, nil
}

// mnistEvalImages returns the number of images mafc eval integrates for
// the splits with -n n (0: every image of each split).
func mnistEvalImages(splits []string, n int) int {
	size := map[string]int{"train": mnist.TrainSize, "valid": mnist.ValidSize, "test": mnist.NumTest}
	total := 0
	for _, s := range splits {
		k := size[s]
		if n > 0 {
			k = min(k, n)
		}
		total += k
	}
	return total
}

// checkpointList splits -ckpt at commas.
func checkpointList(s string) ([]string, error) {
	list := strings.Split(s, ",")
	for _, c := range list {
		if strings.TrimSpace(c) == "" {
			return nil, usagef("-ckpt: empty entry in %q (want a checkpoint file or directory, or a comma-separated list of them)", s)
		}
	}
	return list, nil
}

// ckptEpoch returns the epochs of training behind a checkpoint of an MNIST
// run: its data iterator's position (whatever -batch the run had), or, when
// the checkpoint holds none, steps × the run's batch (the spec's when the
// checkpoint does not record one) over the training split.
func ckptEpoch(st *ckpt.State, ds *train.MNIST, batch int) float64 {
	n := len(ds.Split.Train)
	if b := st.Blobs["objective"]; len(b) > 0 {
		if e, err := mnist.StateEpoch(b, n); err == nil {
			return e
		}
	}
	if run, ok, err := recordedSettings(st); ok && err == nil {
		if b, err := strconv.Atoi(run["-batch"]); err == nil && b > 0 {
			batch = b
		}
	}
	return float64(st.Step) * float64(batch) / float64(max(1, n))
}

// evalMNIST evaluates every checkpoint of ckpts on the splits, all splits
// of a checkpoint in one batched pass, printing a line per split and, for
// more than one checkpoint or split, a table with one line per checkpoint.
// first is ckpts[0], already loaded into pot.
func evalMNIST(ctx context.Context, stdout io.Writer, pot mafcrt.Potential, p *ir.Program, ds *train.MNIST, ckpts []string, first *ckpt.State, splits []string, n int, seed uint64, workers int, reportPath string) error {
	rep := &EvalReport{Model: p.Name, Hash: p.Hash()}
	for i, c := range ckpts {
		st := first
		if i > 0 {
			var err error
			if st, err = loadParams(c, pot); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: checkpoint at step %d\n", p.Name, st.Step)
		}
		start := time.Now()
		res, err := mnistNLLs(ctx, nil, pot, p, ds, splits, n, seed, workers)
		if err != nil {
			return err
		}
		ce := CheckpointEval{Checkpoint: c, Step: st.Step, Epoch: ckptEpoch(st, ds, p.Train.Batch), NLL: res, Seconds: time.Since(start).Seconds()}
		for _, r := range res {
			fmt.Fprintf(stdout, "MNIST %s NLL: %.2f ± %.2f nats (logit space), %.4f bits/dim (%d images, %.0fs)\n", r.Split, r.NLL, r.SE, r.BPD, r.N, r.Seconds)
		}
		rep.Checkpoints = append(rep.Checkpoints, ce)
	}
	if len(ckpts) > 1 || len(splits) > 1 {
		printEvalTable(stdout, rep, splits)
	}
	if reportPath != "" {
		if err := writeJSON(reportPath, rep); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", reportPath)
	}
	return nil
}

// printEvalTable prints one line per checkpoint: its epoch and step, NLL ±
// standard error per split (nats, logit space), the seconds taken, and the
// checkpoint.
func printEvalTable(w io.Writer, rep *EvalReport, splits []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%8s %8s", "epoch", "step")
	for _, s := range splits {
		fmt.Fprintf(&b, " %20s", s+" NLL ± se")
	}
	fmt.Fprintf(&b, " %8s  %s\n", "seconds", "checkpoint")
	for _, c := range rep.Checkpoints {
		fmt.Fprintf(&b, "%8.3f %8d", c.Epoch, c.Step)
		for _, r := range c.NLL {
			fmt.Fprintf(&b, " %20s", fmt.Sprintf("%.2f ± %.2f", r.NLL, r.SE))
		}
		fmt.Fprintf(&b, " %8.0f  %s\n", c.Seconds, c.Checkpoint)
	}
	io.WriteString(w, b.String())
}
