// Package optim holds the optimisers: Adam with L2 weight decay added to the
// gradient (PyTorch's torch.optim.Adam semantics, as in the paper), AdamW
// (decoupled weight decay, Loshchilov & Hutter 2019) and SGD with momentum,
// with an optional learning-rate schedule (linear warm-up, then constant or
// cosine decay to zero).
package optim

import (
	"fmt"
	"math"
)

// Settings configure an optimiser.
type Settings struct {
	Name        string // "adam", "adamw" or "sgd"
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	Momentum    float64
	// Schedule is "constant" or "cosine"; Warmup is the number of linear
	// warm-up steps; TotalSteps is the length of the cosine decay.
	Schedule   string
	Warmup     int
	TotalSteps int
}

// Optimizer updates a flat parameter vector from its gradient.
type Optimizer struct {
	s Settings
	// State, exported through State/SetState for checkpoints.
	m, v []float64
	t    int64
}

// New returns an optimiser for n parameters.
func New(s Settings, n int) (*Optimizer, error) {
	switch s.Name {
	case "adam", "adamw", "sgd":
	default:
		return nil, fmt.Errorf("optim: unknown optimizer %q (want adam, adamw or sgd)", s.Name)
	}
	if !(s.LR > 0) {
		return nil, fmt.Errorf("optim: learning rate must be positive, got %v", s.LR)
	}
	o := &Optimizer{s: s, m: make([]float64, n)}
	if s.Name != "sgd" {
		o.v = make([]float64, n)
	}
	return o, nil
}

// LR returns the learning rate of step t (1-based).
func (o *Optimizer) LR(t int64) float64 {
	lr := o.s.LR
	if o.s.Warmup > 0 && t <= int64(o.s.Warmup) {
		return lr * float64(t) / float64(o.s.Warmup)
	}
	if o.s.Schedule == "cosine" && o.s.TotalSteps > o.s.Warmup {
		p := float64(t-int64(o.s.Warmup)) / float64(o.s.TotalSteps-o.s.Warmup)
		p = math.Min(math.Max(p, 0), 1)
		return lr * 0.5 * (1 + math.Cos(math.Pi*p))
	}
	return lr
}

// Step applies one update to theta with gradient g (g is modified when L2
// weight decay is added to it). It does not allocate.
//
// Adam (PyTorch): g ← g + λθ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
// θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
// AdamW: θ ← θ(1 − ηλ) first, then Adam without the L2 term.
// SGD: g ← g + λθ; m ← μm + g; θ ← θ − η·m (m = g when μ = 0).
func (o *Optimizer) Step(theta, g []float64) {
	if len(theta) != len(o.m) || len(g) != len(o.m) {
		panic("optim: length mismatch")
	}
	o.t++
	lr := o.LR(o.t)
	s := o.s
	switch s.Name {
	case "sgd":
		for i := range theta {
			gi := g[i] + s.WeightDecay*theta[i]
			if s.Momentum != 0 {
				if o.t == 1 {
					o.m[i] = gi
				} else {
					o.m[i] = s.Momentum*o.m[i] + gi
				}
				gi = o.m[i]
			}
			theta[i] -= lr * gi
		}
	default:
		bc1 := 1 - math.Pow(s.Beta1, float64(o.t))
		bc2 := 1 - math.Pow(s.Beta2, float64(o.t))
		step := lr / bc1
		sq := math.Sqrt(bc2)
		for i := range theta {
			gi := g[i]
			if s.Name == "adam" {
				gi += s.WeightDecay * theta[i]
			} else if s.WeightDecay != 0 {
				theta[i] *= 1 - lr*s.WeightDecay
			}
			o.m[i] = s.Beta1*o.m[i] + (1-s.Beta1)*gi
			o.v[i] = s.Beta2*o.v[i] + (1-s.Beta2)*gi*gi
			theta[i] -= step * o.m[i] / (math.Sqrt(o.v[i])/sq + s.Eps)
		}
	}
}

// Steps returns the number of updates done.
func (o *Optimizer) Steps() int64 { return o.t }

// State returns the optimiser's state for a checkpoint (the slices are the
// live buffers).
func (o *Optimizer) State() (vectors map[string][]float64, t int64) {
	vectors = map[string][]float64{o.s.Name + ".m": o.m}
	if o.v != nil {
		vectors[o.s.Name+".v"] = o.v
	}
	return vectors, o.t
}

// SetState restores a state written by State.
func (o *Optimizer) SetState(vectors map[string][]float64, t int64) error {
	for name, dst := range map[string][]float64{o.s.Name + ".m": o.m, o.s.Name + ".v": o.v} {
		if dst == nil {
			continue
		}
		src, ok := vectors[name]
		if !ok || len(src) != len(dst) {
			return fmt.Errorf("optim: checkpoint has no %s state of length %d (optimizer changed?)", name, len(dst))
		}
		copy(dst, src)
	}
	o.t = t
	return nil
}
