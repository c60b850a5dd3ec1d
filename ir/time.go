package ir

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// # Time-dependent potentials
//
// A program with a time input (Program.TimeName != "") defines φ(x, t): t is
// one scalar per evaluation, shared by the whole batch, and derivatives are
// in x only. Time enters dense and convolution layers in two ways, both
// functions of a feature vector f(t) ∈ R^F (see TimeFeatures):
//
//	concatenation (Node.Time):  a = W·h + b + U·f(t)          (U: Out×F)
//	gate (Node.Gate):           y = a ⊙ sigmoid(A·f(t) + c) + V·f(t)
//	                            (A: Out×F, c: Out; V: Out×F only with GateShift)
//
// For a convolution "Out" counts channels: U·f(t) is the contribution of
// f(t) as constant input channels (a periodic convolution of a constant
// field is a constant per output channel), the gate scales whole channels.
// Either way, for fixed t the layer is an ordinary layer with the
// effective parameters
//
//	W′ = diag(s)·W,  b′ = s ⊙ b + s ⊙ U·f(t) + V·f(t),  s = sigmoid(A·f(t) + c)
//
// (s = 1 without a gate), which is what KernelProgram and TimeMap express:
// the compiled kernels evaluate the time-free KernelProgram with θ′(t).
//
// The time parameters follow all other parameters in θ, node by node (U,
// then A, c, then V), so the other parameters keep the offsets and the
// initial values of the time-independent twin of the spec.

// MaxFourier is the largest number of Fourier frequencies of a time feature.
const MaxFourier = 64

// TimeFeatures is the feature vector f(t) fed to a layer: t itself
// (Linear), then sin(kπt/Period) and cos(kπt/Period) for k = 1…Fourier.
type TimeFeatures struct {
	Linear  bool    `json:"linear,omitempty"`
	Fourier int     `json:"fourier,omitempty"`
	Period  float64 `json:"period,omitempty"`
}

// Len returns F, the number of features (0 for nil).
func (f *TimeFeatures) Len() int {
	if f == nil {
		return 0
	}
	n := 2 * f.Fourier
	if f.Linear {
		n++
	}
	return n
}

// Eval writes f(t) to dst[:Len()]. It does not allocate.
func (f *TimeFeatures) Eval(t float64, dst []float64) {
	i := 0
	if f.Linear {
		dst[0] = t
		i = 1
	}
	for k := 1; k <= f.Fourier; k++ {
		s, c := math.Sincos(float64(k) * math.Pi * t / f.Period)
		dst[i], dst[i+1] = s, c
		i += 2
	}
}

// String formats f as it is written in a spec, with the time named t.
func (f *TimeFeatures) String(t string) string {
	var parts []string
	if f.Linear {
		parts = append(parts, t)
	}
	if f.Fourier > 0 {
		parts = append(parts, fmt.Sprintf("fourier(%s, %d, period = %g)", t, f.Fourier, f.Period))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + parts[0] + ", " + parts[1] + "]"
}

func (f *TimeFeatures) verify() error {
	if f.Fourier < 0 || f.Fourier > MaxFourier || f.Len() == 0 {
		return fmt.Errorf("time features %+v: want t and/or 1…%d Fourier frequencies", *f, MaxFourier)
	}
	if f.Fourier > 0 && (!(f.Period > 0) || math.IsInf(f.Period, 0)) {
		return fmt.Errorf("time features: Fourier period %v is not positive and finite", f.Period)
	}
	return nil
}

// The roles of time parameters in Program.Params.
const (
	RoleTime      = "time"      // U: the concatenated features' weights (Out×F)
	RoleGate      = "gate"      // A: the gate's weights (Out×F)
	RoleGateBias  = "gate_bias" // c: the gate's bias (Out)
	RoleGateShift = "shift"     // V: the gated layer's time shift (Out×F)
)

// TimeDependent reports whether φ depends on a time input.
func (p *Program) TimeDependent() bool { return p.TimeName != "" }

// TimeBias reports whether t shifts n's output (a concatenated time or a
// gate shift), so that for fixed t the layer has a bias even without b.
func (n *Node) TimeBias() bool { return n.Time != nil || (n.Gate != nil && n.GateShift) }

// TimeParam returns the index in p.Params of node n's time parameter of the
// given role, or −1.
func (p *Program) TimeParam(n int, role string) int {
	for i, pr := range p.Params {
		if pr.Node == n && pr.Role == role {
			return i
		}
	}
	return -1
}

// verifyTime checks the time annotations and parameters of p.
func (p *Program) verifyTime() error {
	var timed bool
	for _, n := range p.Nodes {
		if n.Time == nil && n.Gate == nil {
			if n.GateShift {
				return fmt.Errorf("ir: node %d (%s): gate shift without a gate", n.ID, n.Name)
			}
			continue
		}
		timed = true
		if n.Op != OpDense && n.Op != OpConv {
			return fmt.Errorf("ir: node %d (%s): time terms on a %s node", n.ID, n.Name, n.Op)
		}
		check := func(f *TimeFeatures, role string, cols int) error {
			if f == nil {
				return nil
			}
			if err := f.verify(); err != nil {
				return fmt.Errorf("ir: node %d (%s): %w", n.ID, n.Name, err)
			}
			i := p.TimeParam(n.ID, role)
			if i < 0 || fmt.Sprint(p.Params[i].Shape) != fmt.Sprint([]int{n.Out, cols}) {
				return fmt.Errorf("ir: node %d (%s): missing or misshapen %s parameter", n.ID, n.Name, role)
			}
			return nil
		}
		if err := check(n.Time, RoleTime, n.Time.Len()); err != nil {
			return err
		}
		if n.Gate != nil {
			F := n.Gate.Len()
			if err := check(n.Gate, RoleGate, F); err != nil {
				return err
			}
			if i := p.TimeParam(n.ID, RoleGateBias); i < 0 || fmt.Sprint(p.Params[i].Shape) != fmt.Sprint([]int{n.Out}) {
				return fmt.Errorf("ir: node %d (%s): missing or misshapen gate bias", n.ID, n.Name)
			}
			if n.GateShift {
				if err := check(n.Gate, RoleGateShift, F); err != nil {
					return err
				}
			}
		}
	}
	if timed && p.TimeName == "" {
		return errors.New("ir: time terms in a program without a time input")
	}
	if !timed && p.TimeName != "" {
		return errors.New("ir: time input used by no layer")
	}
	return nil
}

// KernelProgram returns the time-free program that the compiled kernels of
// a time-dependent p evaluate for one fixed t: the same nodes without time
// terms, every layer with a time shift given a bias, and the parameters laid
// out afresh (W, b per layer, in node order). For a program without time it
// returns p itself.
func (p *Program) KernelProgram() *Program {
	if !p.TimeDependent() {
		return p
	}
	b, err := p.Encode()
	if err != nil {
		panic("ir: " + err.Error())
	}
	var q Program
	if err := json.Unmarshal(b, &q); err != nil {
		panic("ir: " + err.Error())
	}
	q.TimeName = ""
	var params []*Param
	off := 0
	add := func(pr *Param) int {
		c := *pr
		c.Offset = off
		off += c.Size
		params = append(params, &c)
		return len(params) - 1
	}
	for _, n := range q.Nodes {
		if n.Op != OpDense && n.Op != OpConv {
			continue
		}
		w := p.Params[n.W]
		n.W = add(w)
		switch {
		case n.B >= 0:
			n.B = add(p.Params[n.B])
		case n.TimeBias():
			n.Bias = true
			n.B = add(&Param{Name: n.Name + ".b", Node: n.ID, Role: "bias", Shape: []int{n.Out}, Size: n.Out, FanIn: w.FanIn, Init: Init{Scheme: "zero"}})
		}
		n.Time, n.Gate, n.GateShift = nil, nil, false
	}
	q.Params = params
	return &q
}

// TimeLayer is the map of one layer with time terms between θ and θ′(t).
type TimeLayer struct {
	Out, Row int          // outputs (channels) and weights per output
	W, B     int          // offsets in θ of W and b (B: −1 without bias)
	KW, KB   int          // offsets in θ′ of W′ and b′ (KB: −1 without)
	U        int          // offset of U, or −1
	A, C, V  int          // offsets of the gate's A and c and of the shift V, or −1
	UF, GF   TimeFeatures // features of U and of the gate
	// Scaled: the kernels apply the gate s as a per-output scale of the
	// layer's products, so θ′ holds W itself at KW (not diag(s)·W) and the
	// kernels' gradient there is already ∂/∂W; s goes to the gate vector at
	// S (see TimeMap.ApplyTime and BackTime).
	Scaled bool
	S      int
}

// TimeMap maps θ to the kernel parameters θ′(t) of KernelProgram and
// gradients with respect to θ′ back to θ.
type TimeMap struct {
	Layers []TimeLayer
	// Copies are the parameter ranges θ′[K:K+N] = θ[F:F+N] of the layers
	// without time terms: {F, K, N}.
	Copies [][3]int
	// NumParams and NumKernel are len(θ) and len(θ′).
	NumParams, NumKernel int
	// Scratch is the length of the scratch slice Apply and Back need.
	Scratch int
	// Gated reports whether a layer has a gate: only then does W′ depend
	// on t (otherwise only the biases b′ do; see ApplyBias).
	Gated bool
	// NumScaled is the length of the gate vector of the Scaled layers.
	NumScaled int
}

// TimeMap returns the map between p's parameters and those of
// p.KernelProgram() (k). The gated layers of the nodes listed in scaled
// are Scaled: their kernels apply the gate themselves (only ApplyTheta,
// ApplyTime, BackTime and BackFixed handle them).
func (p *Program) TimeMap(k *Program, scaled ...int) *TimeMap {
	m := &TimeMap{NumParams: p.NumParams(), NumKernel: k.NumParams()}
	for i, n := range p.Nodes {
		if n.Op != OpDense && n.Op != OpConv {
			continue
		}
		kn := k.Nodes[i]
		w, kw := p.Params[n.W], k.Params[kn.W]
		if n.Time == nil && n.Gate == nil {
			m.Copies = append(m.Copies, [3]int{w.Offset, kw.Offset, w.Size})
			if n.B >= 0 {
				b, kb := p.Params[n.B], k.Params[kn.B]
				m.Copies = append(m.Copies, [3]int{b.Offset, kb.Offset, b.Size})
			}
			continue
		}
		l := TimeLayer{Out: n.Out, Row: w.Size / n.Out, W: w.Offset, B: -1, KW: kw.Offset, KB: -1, U: -1, A: -1, C: -1, V: -1}
		if n.B >= 0 {
			l.B = p.Params[n.B].Offset
		}
		if kn.B >= 0 {
			l.KB = k.Params[kn.B].Offset
		}
		off := func(role string) int {
			if j := p.TimeParam(n.ID, role); j >= 0 {
				return p.Params[j].Offset
			}
			return -1
		}
		if n.Time != nil {
			l.U, l.UF = off(RoleTime), *n.Time
		}
		if n.Gate != nil {
			l.A, l.C, l.V, l.GF = off(RoleGate), off(RoleGateBias), off(RoleGateShift), *n.Gate
		}
		if n.Gate != nil && slices.Contains(scaled, n.ID) {
			l.Scaled, l.S = true, m.NumScaled
			m.NumScaled += n.Out
		}
		m.Layers = append(m.Layers, l)
		m.Gated = m.Gated || n.Gate != nil
		m.Scratch = max(m.Scratch, l.UF.Len()+l.GF.Len()+2*n.Out)
	}
	return m
}

// scratch splits s into the layer's features and per-output gate values.
func (l *TimeLayer) scratch(s []float64, t float64) (fu, fg, g, sh []float64) {
	nu, ng := l.UF.Len(), l.GF.Len()
	fu, fg, g, sh = s[:nu], s[nu:nu+ng], s[nu+ng:nu+ng+l.Out], s[nu+ng+l.Out:nu+ng+2*l.Out]
	if nu > 0 {
		l.UF.Eval(t, fu)
	}
	if ng > 0 {
		l.GF.Eval(t, fg)
	}
	return fu, fg, g, sh
}

// dot returns Σ a[i]·b[i].
func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// Apply writes θ′(t) to kernel from theta. scratch has m.Scratch elements.
// It does not allocate.
func (m *TimeMap) Apply(kernel, theta []float64, t float64, scratch []float64) {
	for _, c := range m.Copies {
		copy(kernel[c[1]:c[1]+c[2]], theta[c[0]:c[0]+c[2]])
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		fu, fg, _, _ := l.scratch(scratch, t)
		for j := 0; j < l.Out; j++ {
			s, shift := l.gate(theta, fg, j)
			kw, w := kernel[l.KW+j*l.Row:l.KW+(j+1)*l.Row], theta[l.W+j*l.Row:l.W+(j+1)*l.Row]
			for i, v := range w {
				kw[i] = s * v
			}
			if l.KB >= 0 {
				kernel[l.KB+j] = s*l.bias(theta, fu, j) + shift
			}
		}
	}
}

// ApplyBias rewrites only the time-dependent biases b′(t) in kernel, which
// must hold θ′ of the same theta at another time, for a map without gates
// (Gated false), where nothing else depends on t. It does not allocate.
func (m *TimeMap) ApplyBias(kernel, theta []float64, t float64, scratch []float64) {
	if m.Gated {
		panic("ir: TimeMap.ApplyBias with gated layers")
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		fu, _, _, _ := l.scratch(scratch, t)
		nu := len(fu)
		for j := 0; j < l.Out; j++ {
			b := 0.0
			if l.B >= 0 {
				b = theta[l.B+j]
			}
			kernel[l.KB+j] = b + dot(theta[l.U+j*nu:l.U+(j+1)*nu], fu)
		}
	}
}

// Back adds to dtheta the gradient with respect to θ of a function whose
// gradient with respect to θ′(t) is dkernel. scratch has m.Scratch
// elements. It does not allocate.
func (m *TimeMap) Back(dtheta, dkernel, theta []float64, t float64, scratch []float64) {
	for _, c := range m.Copies {
		d, k := dtheta[c[0]:c[0]+c[2]], dkernel[c[1]:c[1]+c[2]]
		for i, v := range k {
			d[i] += v
		}
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		fu, fg, _, _ := l.scratch(scratch, t)
		nu, ng := len(fu), len(fg)
		for j := 0; j < l.Out; j++ {
			s := 1.0
			if ng > 0 {
				s = sigmoid(dot(theta[l.A+j*ng:l.A+(j+1)*ng], fg) + theta[l.C+j])
			}
			w, dw, dkw := theta[l.W+j*l.Row:l.W+(j+1)*l.Row], dtheta[l.W+j*l.Row:l.W+(j+1)*l.Row], dkernel[l.KW+j*l.Row:l.KW+(j+1)*l.Row]
			var ds float64
			for i, v := range dkw {
				dw[i] += s * v
				ds += v * w[i]
			}
			if l.KB >= 0 {
				db := dkernel[l.KB+j] // ∂/∂b′_j
				b := 0.0
				if l.B >= 0 {
					b = theta[l.B+j]
					dtheta[l.B+j] += s * db
				}
				if nu > 0 {
					b += dot(theta[l.U+j*nu:l.U+(j+1)*nu], fu)
					du := dtheta[l.U+j*nu : l.U+(j+1)*nu]
					for k, f := range fu {
						du[k] += s * db * f
					}
				}
				ds += db * b
				if l.V >= 0 {
					dv := dtheta[l.V+j*ng : l.V+(j+1)*ng]
					for k, f := range fg {
						dv[k] += db * f
					}
				}
			}
			if ng > 0 {
				da := ds * s * (1 - s)
				dA := dtheta[l.A+j*ng : l.A+(j+1)*ng]
				for k, f := range fg {
					dA[k] += da * f
				}
				dtheta[l.C+j] += da
			}
		}
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
