package limits

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

// Knob names the setting that drives a part of an estimate, so that the
// checker can point at it (file:line:col) and the commands can name the
// flag.
type Knob string

// The knobs.
const (
	KnobBatch     Knob = "batch"      // the training batch (or the chunk of a sampling run)
	KnobMemory    Knob = "memory"     // memory = store or recompute(every = K), with the flow steps
	KnobSamples   Knob = "samples"    // points sampled or evaluated
	KnobShards    Knob = "shards"     // gradient shards
	KnobWorkers   Knob = "workers"    // integrators running at once
	KnobNetwork   Knob = "network"    // the potential's size: widths, depth, orbit averages
	KnobTarget    Knob = "target"     // the Ising target's lattice
	KnobFlowSteps Knob = "flow steps" // the flow's steps
)

// Run describes how a command uses a program beyond the program itself.
// Zero fields take the defaults of the commands.
type Run struct {
	// Train is set for training: the integrators record the trajectory
	// and the gradients and optimiser state are kept.
	Train bool
	// Batch is the training batch; for sampling and evaluation, the chunk
	// each integrator takes at once.
	Batch int
	// Shards is the number of gradient micro-batches (default min(2,
	// Batch)); Workers the goroutines (default: one per shard in
	// training, one in sampling).
	Shards, Workers int
	// Memory is "store" or "recompute", Every the segment length of
	// recompute (default 10).
	Memory string
	Every  int
	// Hutchinson replaces the exact Laplacian with Probes probes.
	Hutchinson bool
	Probes     int
	// Samples is the number of points sampled or evaluated in one go:
	// sample -n, eval -n, the final evaluation of train.
	Samples int
}

// Part is one item of an estimate.
type Part struct {
	What  string  // what it is, e.g. "the trajectory kept by memory = store"
	Bytes float64 // its size
	Knob  Knob    // the setting that drives it
}

// Estimate is the memory a command needs, by part. Sizes are float64 so
// that absurd settings cannot overflow.
type Estimate struct {
	Parts []Part
}

// Total returns the sum of the parts in bytes.
func (e Estimate) Total() float64 {
	var t float64
	for _, p := range e.Parts {
		t += p.Bytes
	}
	return t
}

// Largest returns the largest part.
func (e Estimate) Largest() Part {
	var m Part
	for _, p := range e.Parts {
		if p.Bytes > m.Bytes {
			m = p
		}
	}
	return m
}

// String lists the two largest parts with their sizes.
func (e Estimate) String() string {
	ps := append([]Part(nil), e.Parts...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Bytes > ps[j].Bytes })
	var s []string
	for _, p := range ps[:min(2, len(ps))] {
		s = append(s, fmt.Sprintf("%s of %s", FormatBytes(p.Bytes), p.What))
	}
	return strings.Join(s, ", ")
}

// FormatBytes formats n bytes in KiB, MiB, GiB or TiB with at most one
// decimal: "16 GiB", "9.4 TiB".
func FormatBytes(n float64) string {
	unit, name := 1.0, "bytes"
	for _, u := range []struct {
		size float64
		name string
	}{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			unit, name = u.size, u.name
			break
		}
	}
	return strconv.FormatFloat(math.Round(n/unit*10)/10, 'f', -1, 64) + " " + name
}

// Exceeds reports whether the estimate is over the memory limit.
func (l Limits) Exceeds(e Estimate) bool { return e.Total() > float64(l.MaxMemory) }

// Resources estimates the memory a command needs for program p used as r:
//
//   - the workspaces of the generated code, one per integrator, as the
//     plan lays them out (codegen/plan's Model.Bytes for the integrator's
//     batch: every buffer of a chunk, the convolution geometries and, for a
//     time-dependent spec, each workspace's kernel model);
//   - the integrators' scratch (ode: s stage states, slopes and
//     cotangents, gradients, probes, transformed states; the hidden-space
//     integrator's H×H matrices, and in float32 its copies of W and W̄);
//   - in training, the trajectory the adjoint reads: every stage state of
//     every step with memory = store (steps·s states), or one state every K
//     steps and the stages of one segment with recompute (⌈steps/K⌉ + K·s),
//     each D reals plus, with the exact Laplacian, the kept outputs of the
//     plan's saved node; the batch buffers, and the parameters with their
//     gradient, one gradient per shard and the optimiser's moments;
//   - the Ising target's dense K⁻¹ (N² reals);
//   - the group table of an orbit average (|G|·D indices);
//   - the sampled or evaluated points.
//
// The trainer's history grows with the steps done and is not preallocated,
// so it is not counted.
func Resources(p *ir.Program, r Run) Estimate {
	return resources(p, planFor(p, r), r)
}

// planFor plans p as the commands run it: with r's probes when r sets them.
func planFor(p *ir.Program, r Run) *plan.Model {
	c := plan.Config{}
	if r.Hutchinson && r.Probes > 0 {
		c.Probes = r.Probes
	}
	return plan.New(p, c)
}

// resources is Resources with p's plan m.
func resources(p *ir.Program, m *plan.Model, r Run) Estimate {
	const f64 = 8
	D := float64(p.Dim())
	S := float64(m.SaveSize())
	W := D // reals per sample of one kept stage
	if !r.Hutchinson {
		W += S // runtime.Saver keeps the saved node's outputs with the exact Laplacian only
	}
	stages := float64(stageCount(p.Flow.Integrator))
	steps := float64(p.Flow.Steps)
	P := float64(p.NumParams())
	probes := 0.0
	if r.Hutchinson {
		probes = float64(max(r.Probes, 1))
	}
	batch := max(r.Batch, 1)
	nInt, perInt, shards := integrators(r, batch)
	samplesInFlight := float64(nInt) * float64(perInt)

	var e Estimate
	add := func(what string, bytes float64, k Knob) {
		if bytes > 0 {
			e.Parts = append(e.Parts, Part{what, bytes, k})
		}
	}
	add("the workspaces of the generated code", m.Bytes(perInt)*float64(nInt), KnobNetwork)
	add("the integrators' scratch", f64*(4*stages+9+probes)*(D+S)*samplesInFlight, KnobBatch)
	if hiddenCandidate(p, m) {
		add("the hidden-space integrators' H×H matrices", f64*3*S*S*float64(nInt), KnobWorkers)
		if p.Precision == "float32" {
			// In float32 each also keeps W and W̄ (H×D) in float32.
			add("the float32 hidden-space integrators' copies of W and W̄", 4*2*S*D*float64(nInt), KnobWorkers)
		}
	}
	if r.Train {
		traj, what := trajectory(r, steps, stages, W)
		add(what, f64*traj*samplesInFlight, KnobMemory)
		add("the batch buffers", f64*(3*D+4)*float64(batch), KnobBatch)
		add("the parameters, their gradients and the optimiser's moments", f64*P*5, KnobNetwork)
		add("the gradient shards", f64*P*float64(shards), KnobShards)
	} else {
		add("the parameters", f64*P*2, KnobNetwork)
	}
	if t := p.Train.Objective.Target; p.Train.Objective.Kind == "variational" && t.L1 > 0 {
		n := float64(t.L1) * float64(t.L2)
		add("the Ising target's K⁻¹", f64*n*n, KnobTarget)
	}
	if g := float64(averageOrder(p)); g > 1 {
		add("the orbit average's group table", f64*g*D, KnobNetwork)
	}
	if r.Samples > 0 {
		// x, a copy of x (round trip or density flow), a, ln p, the
		// losses, and int8 spins.
		add("the samples", (f64*(2*D+3)+D)*float64(r.Samples), KnobSamples)
	}
	return e
}

// integrators returns how many integrators a run keeps at once, the batch
// of each, and the gradient shards of a training run (0 otherwise).
func integrators(r Run, batch int) (nInt, perInt, shards int) {
	if !r.Train {
		return max(r.Workers, 1), batch, 0
	}
	shards = r.Shards
	if shards < 1 {
		shards = min(2, batch)
	}
	shards = min(shards, batch)
	workers := r.Workers
	if workers < 1 {
		workers = shards
	}
	return min(workers, shards), (batch + shards - 1) / shards, shards
}

// trajectory returns the reals per sample of the trajectory the adjoint
// reads, W per kept stage, and what keeps it.
func trajectory(r Run, steps, stages, W float64) (float64, string) {
	if r.Memory != "recompute" {
		return steps * stages * W, "the trajectory kept by memory = store"
	}
	every := 10.0
	if r.Every > 0 {
		every = float64(r.Every)
	}
	return (math.Ceil(steps/every) + every*stages) * W, "the trajectory kept by memory = recompute"
}

// MaxKnob returns the largest v in [lo, hi] for which the run set(r, v)
// fits the memory limit, or lo−1 when none does. The estimate must grow
// with v.
func (l Limits) MaxKnob(p *ir.Program, r Run, set func(*Run, int), lo, hi int) int {
	plans := map[int]*plan.Model{} // by probes
	fits := func(v int) bool {
		q := r
		set(&q, v)
		key := 0
		if q.Hutchinson {
			key = q.Probes
		}
		pq, ok := plans[key]
		if !ok {
			pq = planFor(p, q)
			plans[key] = pq
		}
		return !l.Exceeds(resources(p, pq, q))
	}
	if !fits(lo) {
		return lo - 1
	}
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// averageOrder returns the number of group elements the orbit average sums
// over (1 when nothing is averaged).
func averageOrder(p *ir.Program) int {
	n := 1
	for _, s := range p.Averaged() {
		n *= s.Group.Order(p.InputShape())
	}
	return n
}

// hiddenCandidate reports whether p might be integrated by ode's
// hidden-space integrator (a one-hidden-layer potential with H ≤ 2·D),
// which keeps H×H matrices.
func hiddenCandidate(p *ir.Program, m *plan.Model) bool {
	return len(p.Nodes) == 4 && m.SaveSize() > 0 && m.SaveSize() <= 2*p.Dim()
}

func stageCount(integrator string) int {
	switch integrator {
	case "euler":
		return 1
	case "midpoint":
		return 2
	}
	return 4
}
