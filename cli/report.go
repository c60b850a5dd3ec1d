package cli

import (
	"path/filepath"

	"github.com/mafc-dev/mafc/train"
)

// Report is the report.json that mafc train writes into its output
// directory at the end of a run: every number the command prints, under
// snake_case names. The README's "report.json" section lists them.
type Report struct {
	Model     string `json:"model"`
	Hash      string `json:"hash"`      // the kernel hash (hex SHA-256)
	Objective string `json:"objective"` // "variational", "likelihood"
	Data      string `json:"data,omitempty"`
	// Overrides are the settings changed on the command line (-set
	// PATH=VALUE), as given.
	Overrides   []string `json:"overrides,omitempty"`
	Parameters  int      `json:"parameters"`
	Integrator  string   `json:"integrator"`
	FlowSteps   int      `json:"flow_steps"`
	Dt          float64  `json:"dt"`
	HiddenSpace bool     `json:"hidden_space"` // integrated in the hidden layer's pre-activations
	Batch       int      `json:"batch"`
	Steps       int64    `json:"steps"` // optimiser steps done
	Workers     int      `json:"workers"`
	// Processes is the number of processes (MPI ranks) the run was
	// spread over, when more than one.
	Processes int     `json:"processes,omitempty"`
	Shards    int     `json:"shards"`
	Laplacian string  `json:"laplacian"`
	BLAS      string  `json:"blas"`
	Epoch     float64 `json:"epoch,omitempty"`
	// LastLoss and LastLossSE are the last step's batch loss (in the unit
	// of the objective) and its standard error.
	LastLoss   float64 `json:"last_loss"`
	LastLossSE float64 `json:"last_loss_se"`
	// Evals are the NLL evaluations during training (likelihood).
	Evals []evalPoint `json:"evals,omitempty"`
	// Ising is the final evaluation of a variational Ising run.
	Ising *IsingReport `json:"ising,omitempty"`
	// NLL holds the final NLL evaluations of a likelihood run, one per
	// split ("fresh" samples of a synthetic data set, "train" and "valid"
	// points of a data file, "test" images of MNIST).
	NLL []*NLLResult `json:"nll,omitempty"`
	// OptimumNLL is the best achievable NLL where it is known (the
	// entropy of the gaussian data set).
	OptimumNLL float64 `json:"optimum_nll,omitempty"`
	// PaperNLL and Baselines are the reference MNIST numbers printed
	// beside the result (nats, logit space).
	PaperNLL  []paperPoint       `json:"paper_nll,omitempty"`
	Baselines map[string]float64 `json:"baselines,omitempty"`
	// Figures are the figure files written.
	Figures []string `json:"figures,omitempty"`
}

type paperPoint struct {
	Epoch float64 `json:"epoch"`
	NLL   float64 `json:"nll"`
}

// newReport fills the run's settings and last step.
func (r *reporter) newReport(tr *train.Trainer) *Report {
	p := r.m.Prog
	rep := &Report{
		Model: p.Name, Hash: p.Hash(), Objective: p.Train.Objective.Kind, Data: p.Train.Objective.Dataset, Overrides: p.Overrides,
		Parameters: r.pot.NumParams(), Integrator: p.Flow.Integrator, FlowSteps: p.Flow.Steps, Dt: p.Flow.Dt,
		HiddenSpace: tr.Hidden(), Batch: tr.Cfg.Batch, Steps: tr.StepsDone(), Workers: min(r.f.workers, r.f.shards),
		Shards: r.f.shards, Laplacian: r.f.laplacian, BLAS: blasName(), Epoch: r.obj.Epoch(), Evals: r.s.Evals,
	}
	if n := r.comm.Size(); n > 1 {
		rep.Processes = n
	}
	if f := p.DataFile(); f != "" {
		rep.Data = f
	}
	if h := tr.History; len(h) > 0 {
		rep.LastLoss, rep.LastLossSE = h[len(h)-1].Loss, h[len(h)-1].StdErr
	}
	return rep
}

// writeReport writes rep to DIR/report.json.
func (r *reporter) writeReport(rep *Report) error {
	return writeJSON(filepath.Join(r.f.out, "report.json"), rep)
}

// figurePath returns the -figure flag, or DIR/figure.png.
func (r *reporter) figurePath() string {
	if r.f.figure != "" {
		return r.f.figure
	}
	return filepath.Join(r.f.out, "figure.png")
}
