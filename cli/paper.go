package cli

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/mafc-dev/mafc/cli/figures"
)

// paperMNISTLog is the per-epoch log of the paper's own MNIST run: the
// 548-epoch run behind its 1255.6 nats, copied from the training logs that
// ship with the PyTorch implementation of Zhang, E, Wang, "Monge-Ampère Flow
// for Generative Modeling" (2018) (the last of the log's restarted
// segments, the one the paper's plot script keeps). Each row holds the mean
// NLL in nats of logit-space images (λ = 1e-6, uniform dequantisation)
// over the full train (50,000), validation (10,000) and test (10,000) sets
// after one epoch; epoch 0 is the evaluation after the first full epoch of
// training.
//
//go:embed reference/paper-mnist-log.csv
var paperMNISTLog string

// paperEpoch is one row of the paper's MNIST log.
type paperEpoch struct {
	Epoch              int     // the log's epoch number k (0: after the first epoch)
	Train, Valid, Test float64 // NLL, nats
}

// Trained returns the epochs of training behind the row: k + 1.
func (e paperEpoch) Trained() float64 { return float64(e.Epoch + 1) }

// parsePaperLog reads a log in the layout of paperMNISTLog: a header
// epoch,train_nll,valid_nll,test_nll and one row per epoch, in order from
// epoch 0.
func parsePaperLog(src string) ([]paperEpoch, error) {
	rows, err := csv.NewReader(strings.NewReader(src)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("paper log: %w", err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "epoch,train_nll,valid_nll,test_nll" {
		return nil, fmt.Errorf("paper log: want the header epoch,train_nll,valid_nll,test_nll and at least one row")
	}
	out := make([]paperEpoch, 0, len(rows)-1)
	for i, r := range rows[1:] {
		var v [4]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				return nil, fmt.Errorf("paper log: row %d: %w", i+2, err)
			}
		}
		if v[0] != float64(i) {
			return nil, fmt.Errorf("paper log: row %d: epoch %v, want %d", i+2, v[0], i)
		}
		out = append(out, paperEpoch{Epoch: i, Train: v[1], Valid: v[2], Test: v[3]})
	}
	return out, nil
}

// paperLog returns the embedded log, parsed once.
var paperLog = sync.OnceValue(func() []paperEpoch {
	l, err := parsePaperLog(paperMNISTLog)
	if err != nil {
		panic("cli: embedded " + err.Error())
	}
	return l
})

// paperCurve is the paper's test-NLL curve as the NLL figure draws it,
// against epochs of training: the log's epoch k at k + 1 (its epoch 0 is
// the evaluation after one epoch, not the untrained model).
func paperCurve(log []paperEpoch) figures.Series {
	s := figures.Series{Name: "paper (test)"}
	for _, e := range log {
		s.X, s.Y = append(s.X, e.Trained()), append(s.Y, e.Test)
	}
	return s
}
