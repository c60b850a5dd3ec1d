package potentialtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// RefParams holds the parameters of a one-hidden-layer reference potential
// φ = Σ_j w2_j σ(W1_j·x + b1_j).
type RefParams struct {
	W1 []float64 `json:"W1"`
	B1 []float64 `json:"b1"`
	W2 []float64 `json:"w2"`
}

// Flat returns the parameters in mafc's flat layout (W1, then b1 when
// present, then w2), which is also the reference code's layout.
func (p RefParams) Flat() []float64 {
	out := append([]float64(nil), p.W1...)
	out = append(out, p.B1...)
	return append(out, p.W2...)
}

// RefCase is one case of testdata/reference-flow.json: numbers produced by
// the paper's original implementation in float64.
type RefCase struct {
	Name       string    `json:"name"`
	D          int       `json:"D"`
	H          int       `json:"H"`
	Activation string    `json:"activation"`
	Bias       bool      `json:"first_layer_bias"`
	Params     RefParams `json:"params"`
	X          []float64 `json:"x"`
	Phi        []float64 `json:"phi"`
	Grad       []float64 `json:"grad"`
	Laplacian  []float64 `json:"laplacian"`
	Flow       struct {
		Integrator string  `json:"integrator"`
		Dt         float64 `json:"dt"`
		Steps      int     `json:"steps"`
		Sample     struct {
			Z     []float64 `json:"z"`
			LogP0 []float64 `json:"logp0"`
			XT    []float64 `json:"x_T"`
			LogPT []float64 `json:"logp_T"`
		} `json:"sample"`
		Density struct {
			X       []float64 `json:"x"`
			NLL     []float64 `json:"nll"`
			GradNLL RefParams `json:"grad_mean_nll"`
		} `json:"density"`
		// Ising case.
		Z           []float64 `json:"z"`
		LossPerSite float64   `json:"loss_per_site"`
		GradLoss    RefParams `json:"grad_loss_per_site"`
	} `json:"flow"`
	Adam struct {
		LR          float64     `json:"lr"`
		Betas       []float64   `json:"betas"`
		Eps         float64     `json:"eps"`
		WeightDecay float64     `json:"weight_decay_l2"`
		After       []RefParams `json:"params_after_each_step"`
	} `json:"adam"`
	// Ising relaxation case.
	L          int       `json:"L"`
	T          float64   `json:"T"`
	Alpha      float64   `json:"alpha"`
	LogPiTilde []float64 `json:"log_pi_tilde"`
	Potential  struct {
		D          int       `json:"D"`
		H          int       `json:"H"`
		Activation string    `json:"activation"`
		Bias       bool      `json:"first_layer_bias"`
		Params     RefParams `json:"params"`
	} `json:"potential"`
}

// Spec returns a .maf spec of the case's one-hidden-layer potential.
func (c *RefCase) Spec() string {
	d, h, act, bias := c.D, c.H, c.Activation, c.Bias
	if d == 0 {
		d, h, act, bias = c.Potential.D, c.Potential.H, c.Potential.Activation, c.Potential.Bias
	}
	return fmt.Sprintf("model ref\ninput x: vector(%d)\npotential {\n  h = %s(dense(x, %d, bias = %v))\n  phi = dense(h, 1, bias = false)\n}\n", d, act, h, bias)
}

// ReferenceVectors loads testdata/reference-flow.json, searching upwards
// from the working directory for the repository's testdata folder.
func ReferenceVectors() ([]RefCase, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		path := filepath.Join(dir, "testdata", "reference-flow.json")
		if b, err := os.ReadFile(path); err == nil {
			var f struct {
				Cases []RefCase `json:"cases"`
			}
			if err := json.Unmarshal(b, &f); err != nil {
				return nil, fmt.Errorf("potentialtest: %s: %w", path, err)
			}
			return f.Cases, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("potentialtest: testdata/reference-flow.json not found above the working directory")
		}
		dir = parent
	}
}
