package train

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mafc-dev/mafc/data/mnist"
	"github.com/mafc-dev/mafc/data/points"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/physics/ising"
)

// Objective is a training objective: it prepares the initial states of a
// batch and turns final states into per-sample losses and the cotangents of
// the batch-mean loss.
type Objective interface {
	// Sigma is the integration direction: +1 samples from the model
	// (variational), −1 maps data to the base (likelihood).
	Sigma() float64
	// Next fills the initial states x0 (B×D) and a0 (B) of the next batch.
	// It is called on one goroutine, in step order, so runs are
	// reproducible whatever the number of workers.
	Next(x0, a0 []float64)
	// Loss writes, for the shard of final states xT (n×D) and aT (n), the
	// per-sample losses and the cotangents xb, ab of (1/total)·Σ loss. It
	// is called concurrently on disjoint shards and must not allocate.
	Loss(xT, aT, loss, xb, ab []float64, total int)
	// Epoch returns the current (fractional) epoch, or 0 when there are
	// no epochs.
	Epoch() float64
	// Unit names the loss ("loss per site", "nats").
	Unit() string
	// MarshalBinary and UnmarshalBinary save and restore the objective's
	// own state (data order, noise streams) for checkpoints.
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// DensityLinear is implemented by objectives whose cotangents from Loss do
// not depend on aT (the loss is linear in aT, as ln p enters both
// objectives of this package): the trainer can then compute them before
// a(T) is known and let the adjoint complete a(T)
// (ode.Config.DeferDensity), calling Loss again for the losses.
type DensityLinear interface {
	Objective
	// DensityLinear marks the property; it does nothing.
	DensityLinear()
}

var (
	_ DensityLinear = (*Variational)(nil)
	_ DensityLinear = (*Likelihood)(nil)
)

// Variational is the reverse-KL objective against an unnormalised target
// ln π̃: per sample, ℓ = (ln p_T(x) − ln π̃(x))/N with x = x(T) from the
// forward flow of z ~ N(0, I). The gradient flows through x(T) and ln p.
type Variational struct {
	Target *ising.Relaxation
	// Anneal, when set, makes the steps up to Anneal.End() train against
	// the relaxation at the hotter temperatures of the schedule instead
	// of Target (see [ir.Anneal] and [Variational.SetStep]).
	Anneal *ir.Anneal
	cur    *ising.Relaxation // the target of the current step
	rng    *rand.Rand
	pcg    *rand.PCG
	N      float64
}

// NewVariational returns the variational objective for the Ising
// relaxation on an L1×L2 lattice at temperature T, drawing base samples
// from a PCG seeded with seed.
func NewVariational(L1, L2 int, T float64, seed uint64) (*Variational, error) {
	rel, err := ising.NewRelaxation(L1, L2, T)
	if err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(seed, 0x7661726961)
	return &Variational{Target: rel, cur: rel, pcg: pcg, rng: rand.New(pcg), N: float64(L1 * L2)}, nil
}

// Stepped is an Objective whose target depends on the step: the trainer
// calls SetStep(n) before the Next of step n (1-based), on one goroutine.
// The target is then a function of n alone, so a run resumed at any step
// is bit-identical to one that did not stop.
type Stepped interface {
	SetStep(step int64) error
}

// SetStep selects the target of step n: with an Anneal, the relaxation at
// the schedule's temperature (built afresh while it differs from the
// target's, which costs O(N²) per step), else Target. Without an Anneal it
// does nothing.
func (v *Variational) SetStep(step int64) error {
	if v.Anneal == nil {
		return nil
	}
	T := v.Anneal.Temperature(step, v.Target.T())
	if T == v.Target.T() {
		v.cur = v.Target
		return nil
	}
	if v.cur.T() == T {
		return nil
	}
	lat := v.Target.Lattice()
	rel, err := ising.NewRelaxation(lat.L1, lat.L2, T)
	if err != nil {
		return fmt.Errorf("train: anneal at step %d: %w", step, err)
	}
	v.cur = rel
	return nil
}

// Current returns the relaxation the last step trained against (Target
// before the first step and after the anneal).
func (v *Variational) Current() *ising.Relaxation { return v.cur }

func (v *Variational) Sigma() float64 { return +1 }
func (v *Variational) Unit() string   { return "loss per site" }
func (v *Variational) Epoch() float64 { return 0 }

// Next draws z ~ N(0, I) with ln p₀(z).
func (v *Variational) Next(x0, a0 []float64) {
	D := len(x0) / len(a0)
	for i := range x0 {
		x0[i] = v.rng.NormFloat64()
	}
	for b := range a0 {
		a0[b] = ode.LogNormal(x0[b*D : (b+1)*D])
	}
}

// Loss writes ℓ_b = (a_b − ln π̃(x_b))/N, x̄ = −∇ln π̃/(N·total) and
// ā = 1/(N·total).
func (v *Variational) Loss(xT, aT, loss, xb, ab []float64, total int) {
	D := len(xT) / len(aT)
	s := 1 / (v.N * float64(total))
	for b := range aT {
		g := xb[b*D : (b+1)*D]
		lp := v.cur.LogTargetGrad(g, xT[b*D:(b+1)*D])
		loss[b] = (aT[b] - lp) / v.N
		for i := range g {
			g[i] *= -s
		}
		ab[b] = s
	}
}

// DensityLinear: ā = 1/(N·total) and x̄ do not depend on aT.
func (v *Variational) DensityLinear() {}

// ForceMatcher is implemented by objectives that can add the force-matching
// term of the paper's reference code (option δ) to their loss: the trainer
// then integrates the score s = ∇ₓ ln p along the flow (ode's score flow,
// Config.ForceMatching) and minimises the mean of loss + δ·force.
type ForceMatcher interface {
	Objective
	// InitScore writes s(0) = ∇ₓ a₀ at the initial states x0 of Next.
	InitScore(x0, s0 []float64)
	// ForceLoss is Loss that also takes the final scores sT (n×D): it
	// writes the per-sample losses (as Loss) and force terms, and the
	// cotangents xb, ab and sb of (1/total)·Σ (loss + δ·force). It is
	// called concurrently on disjoint shards and must not allocate.
	ForceLoss(xT, aT, sT, loss, force, xb, ab, sb []float64, total int, delta float64)
}

var _ ForceMatcher = (*Variational)(nil)

// InitScore writes ∇ ln p₀(z) = −z.
func (v *Variational) InitScore(x0, s0 []float64) {
	for i, z := range x0 {
		s0[i] = -z
	}
}

// ForceLoss writes ℓ_b = (a_b − ln π̃(x_b))/N and the force term
// f_b = ‖s_b − ∇ln π̃(x_b)‖²/N (the reference code's force_diff, with s_b =
// ∇ₓ ln p(x_b) from the score flow), and the cotangents of
// (1/total)·Σ_b (ℓ_b + δ·f_b): with c = 1/(N·total) and r = s − ∇ln π̃,
// x̄ = −c·∇ln π̃ − 2δc·∇²ln π̃·r, ā = c and s̄ = 2δc·r.
func (v *Variational) ForceLoss(xT, aT, sT, loss, force, xb, ab, sb []float64, total int, delta float64) {
	D := len(xT) / len(aT)
	c := 1 / (v.N * float64(total))
	for b := range aT {
		x, g, r := xT[b*D:(b+1)*D], xb[b*D:(b+1)*D], sb[b*D:(b+1)*D]
		lp := v.cur.LogTargetGrad(g, x)
		loss[b] = (aT[b] - lp) / v.N
		var f float64
		for i, si := range sT[b*D : (b+1)*D] {
			r[i] = si - g[i]
			f += r[i] * r[i]
		}
		force[b] = f / v.N
		// x̄ = −2δc·∇²ln π̃·r − c·∇ln π̃ (g holds ∇ln π̃).
		v.cur.HessVec(g, -2*delta*c, x, r, -c)
		for i := range r {
			r[i] *= 2 * delta * c
		}
		ab[b] = c
	}
}

func (v *Variational) MarshalBinary() ([]byte, error) { return v.pcg.MarshalBinary() }
func (v *Variational) UnmarshalBinary(b []byte) error { return v.pcg.UnmarshalBinary(b) }

// Likelihood is maximum likelihood: per sample, the negative log-likelihood
// −ln p(x) = a(T) + ½ Σ (zᵢ² + ln 2π) of the density flow from the data x
// to z = x(T).
type Likelihood struct {
	Data Dataset
}

func (l *Likelihood) Sigma() float64 { return -1 }
func (l *Likelihood) Unit() string   { return "nats" }
func (l *Likelihood) Epoch() float64 { return l.Data.Epoch() }

// Next fills x0 with the next data batch and a0 with zeros.
func (l *Likelihood) Next(x0, a0 []float64) {
	l.Data.Next(x0)
	clear(a0)
}

// Loss writes nll_b, x̄ = z/total and ā = 1/total.
func (l *Likelihood) Loss(xT, aT, loss, xb, ab []float64, total int) {
	D := len(xT) / len(aT)
	s := 1 / float64(total)
	for b := range aT {
		z := xT[b*D : (b+1)*D]
		loss[b] = aT[b] - ode.LogNormal(z)
		for i, v := range z {
			xb[b*D+i] = s * v
		}
		ab[b] = s
	}
}

// DensityLinear: ā = 1/total and x̄ = z/total do not depend on aT.
func (l *Likelihood) DensityLinear() {}

func (l *Likelihood) MarshalBinary() ([]byte, error) { return l.Data.MarshalBinary() }
func (l *Likelihood) UnmarshalBinary(b []byte) error { return l.Data.UnmarshalBinary(b) }

// Dataset is an endless stream of training batches.
type Dataset interface {
	Dim() int
	// Next fills dst (B×D) with the next batch.
	Next(dst []float64)
	Epoch() float64
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// Gaussian is a synthetic dataset: x ~ N(0, diag(σ²)) with σᵢ = 0.5 + i/D,
// whose exact entropy (the best achievable NLL) is known:
// H = Σᵢ ½ ln(2πe σᵢ²).
type Gaussian struct {
	D     int
	pcg   *rand.PCG
	rng   *rand.Rand
	draws uint64
}

// NewGaussian returns the synthetic Gaussian dataset of dimension d.
func NewGaussian(d int, seed uint64) *Gaussian {
	pcg := rand.NewPCG(seed, 0x6761757373)
	return &Gaussian{D: d, pcg: pcg, rng: rand.New(pcg)}
}

func (g *Gaussian) sigma(i int) float64 { return 0.5 + float64(i)/float64(g.D) }

// Entropy returns the exact differential entropy (nats), the optimum NLL.
func (g *Gaussian) Entropy() float64 {
	var h float64
	for i := 0; i < g.D; i++ {
		h += 0.5 * math.Log(2*math.Pi*math.E*g.sigma(i)*g.sigma(i))
	}
	return h
}

func (g *Gaussian) Dim() int { return g.D }
func (g *Gaussian) Next(dst []float64) {
	for k := range dst {
		dst[k] = g.sigma(k%g.D) * g.rng.NormFloat64()
	}
	g.draws += uint64(len(dst) / g.D)
}
func (g *Gaussian) Epoch() float64 { return 0 }
func (g *Gaussian) MarshalBinary() ([]byte, error) {
	b, err := g.pcg.MarshalBinary()
	return binary.LittleEndian.AppendUint64(b, g.draws), err
}
func (g *Gaussian) UnmarshalBinary(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("train: corrupt gaussian dataset state")
	}
	g.draws = binary.LittleEndian.Uint64(b[len(b)-8:])
	return g.pcg.UnmarshalBinary(b[:len(b)-8])
}

// Moons is the two-moons dataset in 2-D with Gaussian noise 0.1.
type Moons struct {
	pcg *rand.PCG
	rng *rand.Rand
}

// NewMoons returns the two-moons dataset.
func NewMoons(seed uint64) *Moons {
	pcg := rand.NewPCG(seed, 0x6d6f6f6e73)
	return &Moons{pcg: pcg, rng: rand.New(pcg)}
}

func (m *Moons) Dim() int { return 2 }
func (m *Moons) Next(dst []float64) {
	for b := 0; b < len(dst)/2; b++ {
		t := math.Pi * m.rng.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if m.rng.IntN(2) == 1 {
			x, y = 1-x, 0.5-y
		}
		dst[2*b] = 2*(x-0.5) + 0.1*m.rng.NormFloat64()
		dst[2*b+1] = 2*(y-0.25) + 0.1*m.rng.NormFloat64()
	}
}
func (m *Moons) Epoch() float64                 { return 0 }
func (m *Moons) MarshalBinary() ([]byte, error) { return m.pcg.MarshalBinary() }
func (m *Moons) UnmarshalBinary(b []byte) error { return m.pcg.UnmarshalBinary(b) }

// MNIST is the MNIST training set (50,000 images of the seeded split) with
// fresh dequantisation noise every time an image is used, in logit space.
type MNIST struct {
	Set   *mnist.Set
	Split *mnist.Split
	it    *mnist.Iterator
	batch int
}

// NewMNIST loads MNIST (from dir, or located through the Go module cache
// when dir is empty) and returns the training stream for batches of size
// batch.
func NewMNIST(ctx context.Context, dir string, batch int, seed uint64) (*MNIST, error) {
	set, err := mnist.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	split, err := set.Split(seed)
	if err != nil {
		return nil, err
	}
	it, err := mnist.NewIterator(set.TrainImages, split.Train, mnist.IteratorOptions{BatchSize: batch, Seed: seed})
	if err != nil {
		return nil, err
	}
	return &MNIST{Set: set, Split: split, it: it, batch: batch}, nil
}

func (m *MNIST) Dim() int { return mnist.D }
func (m *MNIST) Next(dst []float64) {
	m.it.Next(dst)
}
func (m *MNIST) Epoch() float64 {
	return float64(m.it.Epoch()) + float64(m.it.Pos())/float64(m.it.Len())
}
func (m *MNIST) MarshalBinary() ([]byte, error) { return m.it.MarshalBinary() }
func (m *MNIST) UnmarshalBinary(b []byte) error { return m.it.UnmarshalBinary(b) }

// ObjectiveFor builds the objective a spec asks for. mnistDir may be empty.
// A data file (likelihood(file = …)) is read from [ir.Program.DataFile]
// and split with seed.
func ObjectiveFor(ctx context.Context, p *ir.Program, batch int, seed uint64, mnistDir string) (Objective, error) {
	o := p.Train.Objective
	switch o.Kind {
	case "variational":
		t := o.Target
		v, err := NewVariational(t.L1, t.L2, t.T, seed)
		if err != nil {
			return nil, err
		}
		v.Anneal = p.Train.Anneal
		return v, nil
	case "likelihood":
		var d Dataset
		switch o.Dataset {
		case "":
			if o.File == "" {
				return nil, fmt.Errorf("train: likelihood has no dataset and no data file")
			}
			set, err := points.Load(p.DataFile(), p.Dim(), points.DefaultLimits)
			if err != nil {
				return nil, err
			}
			if d, err = NewPoints(set, o.Validation, seed); err != nil {
				return nil, err
			}
		case "gaussian":
			d = NewGaussian(p.Dim(), seed)
		case "moons":
			d = NewMoons(seed)
		case "mnist":
			m, err := NewMNIST(ctx, mnistDir, batch, seed)
			if err != nil {
				return nil, err
			}
			d = m
		default:
			return nil, fmt.Errorf("train: unknown dataset %q", o.Dataset)
		}
		if d.Dim() != p.Dim() {
			return nil, fmt.Errorf("train: dataset %s has dimension %d but the model has %d", o.Dataset, d.Dim(), p.Dim())
		}
		return &Likelihood{Data: d}, nil
	case "":
		return nil, fmt.Errorf("train: the spec has no train block with an objective: add `train { objective = … }`")
	}
	return nil, fmt.Errorf("train: unknown objective %q", o.Kind)
}
