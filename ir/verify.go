package ir

import (
	"errors"
	"fmt"
	"math"
)

// Verify checks the structural invariants of p: nodes in topological order
// with consistent shapes, a scalar output, and a contiguous parameter layout
// that matches the layers, and node names whose Go identifiers do not clash
// (see [GoNames]). It returns the first violation found. The checker
// in package dsl never produces a program that fails Verify; Verify guards
// decoding and the compiler's own passes.
func (p *Program) Verify() error {
	if len(p.Nodes) == 0 || p.Nodes[0].Op != OpInput {
		return errors.New("ir: program does not start with an input node")
	}
	if p.Output < 0 || p.Output >= len(p.Nodes) {
		return fmt.Errorf("ir: output %d out of range", p.Output)
	}
	if s := p.Nodes[p.Output].Shape; s.IsGrid() || s.N != 1 {
		return fmt.Errorf("ir: output has shape %v, want vec(1)", s)
	}
	off := 0
	for i, pr := range p.Params {
		if pr.Offset != off {
			return fmt.Errorf("ir: param %d (%s) at offset %d, want %d", i, pr.Name, pr.Offset, off)
		}
		n := 1
		for _, d := range pr.Shape {
			n *= d
		}
		if n != pr.Size || n <= 0 {
			return fmt.Errorf("ir: param %s has size %d for shape %v", pr.Name, pr.Size, pr.Shape)
		}
		if pr.Node < 0 || pr.Node >= len(p.Nodes) {
			return fmt.Errorf("ir: param %s names node %d", pr.Name, pr.Node)
		}
		off += n
	}
	for i, n := range p.Nodes {
		if n.ID != i {
			return fmt.Errorf("ir: node %d has id %d", i, n.ID)
		}
		if n.Shape.Size() <= 0 {
			return fmt.Errorf("ir: node %d (%s) has empty shape %v", i, n.Name, n.Shape)
		}
		for _, in := range n.Inputs {
			if in < 0 || in >= i {
				return fmt.Errorf("ir: node %d (%s) reads node %d", i, n.Name, in)
			}
		}
		if err := p.verifyNode(n); err != nil {
			return fmt.Errorf("ir: node %d (%s): %w", i, n.Name, err)
		}
	}
	if err := p.verifyTime(); err != nil {
		return err
	}
	return p.verifyGoNames()
}

// verifyNode checks one node: its number of inputs, its shape against
// its inputs', its parameters and its settings.
func (p *Program) verifyNode(n *Node) error {
	switch n.Op {
	case OpInput:
		if n.ID != 0 {
			return errors.New("input must be node 0")
		}
		if n.Shape.IsGrid() && n.Shape.C != 1 {
			return errors.New("lattice input must have one channel")
		}
		return noParams(n)
	case OpDense:
		return p.verifyDense(n)
	case OpConv:
		return p.verifyConv(n)
	case OpAct:
		if err := wantInputs(n, 1); err != nil {
			return err
		}
		ok := false
		for _, a := range Acts {
			ok = ok || a == n.Act
		}
		if !ok {
			return fmt.Errorf("unknown activation %q", n.Act)
		}
		if p.Nodes[n.Inputs[0]].Shape != n.Shape {
			return errors.New("activation changes shape")
		}
		return noParams(n)
	case OpAdd:
		if err := wantInputs(n, 2); err != nil {
			return err
		}
		if p.Nodes[n.Inputs[0]].Shape != n.Shape || p.Nodes[n.Inputs[1]].Shape != n.Shape {
			return errors.New("add of different shapes")
		}
		return noParams(n)
	case OpScale:
		if err := wantInputs(n, 1); err != nil {
			return err
		}
		if math.IsNaN(n.Scale) || math.IsInf(n.Scale, 0) {
			return errors.New("non-finite scale")
		}
		if p.Nodes[n.Inputs[0]].Shape != n.Shape {
			return errors.New("scale changes shape")
		}
		return noParams(n)
	case OpSum, OpMean:
		if err := wantInputs(n, 1); err != nil {
			return err
		}
		if n.Shape != Vec(1) {
			return errors.New("reduction must give a scalar")
		}
		return noParams(n)
	case OpPool:
		if err := wantInputs(n, 1); err != nil {
			return err
		}
		in := p.Nodes[n.Inputs[0]].Shape
		if !in.IsGrid() || n.Shape != Vec(in.C) {
			return fmt.Errorf("pool of %v has shape %v", in, n.Shape)
		}
		return noParams(n)
	}
	return fmt.Errorf("unknown op %q", n.Op)
}

// verifyDense checks a dense node: one input, a vector of n.Out, an
// n.Out × (input size) weight and the bias it declares.
func (p *Program) verifyDense(n *Node) error {
	if err := wantInputs(n, 1); err != nil {
		return err
	}
	in := p.Nodes[n.Inputs[0]].Shape.Size()
	if n.Shape != Vec(n.Out) {
		return fmt.Errorf("dense to %d has shape %v", n.Out, n.Shape)
	}
	if err := p.verifyParam(n, n.W, "weight", n.Out, in); err != nil {
		return err
	}
	return p.verifyBias(n)
}

// verifyConv checks a convolution: one lattice-shaped input, the output
// lattice with n.Out channels, a kernel within the lattice (square when
// tied), its weight (one entry per kernel orbit when tied) and the bias it
// declares.
func (p *Program) verifyConv(n *Node) error {
	if err := wantInputs(n, 1); err != nil {
		return err
	}
	in := p.Nodes[n.Inputs[0]].Shape
	if !in.IsGrid() || n.Shape != Grid(in.L1, in.L2, n.Out) {
		return fmt.Errorf("conv of %v has shape %v", in, n.Shape)
	}
	if n.K1 < 1 || n.K2 < 1 || n.K1 > in.L1 || n.K2 > in.L2 {
		return fmt.Errorf("kernel %dx%d on lattice %dx%d", n.K1, n.K2, in.L1, in.L2)
	}
	wshape := []int{n.Out, in.C, n.K1, n.K2}
	if n.Tie != "" {
		if n.K1 != n.K2 {
			return fmt.Errorf("tied kernel %dx%d is not square", n.K1, n.K2)
		}
		_, r := KernelOrbits(n.Tie, n.K1)
		wshape = []int{n.Out, in.C, r}
	}
	if err := p.verifyParam(n, n.W, "weight", wshape...); err != nil {
		return err
	}
	return p.verifyBias(n)
}

// verifyBias checks the bias of a dense or conv node: an n.Out vector
// when n.Bias, none otherwise.
func (p *Program) verifyBias(n *Node) error {
	if n.Bias {
		return p.verifyParam(n, n.B, "bias", n.Out)
	}
	if n.B != -1 {
		return errors.New("bias parameter without bias")
	}
	return nil
}

// verifyParam checks that parameter idx exists, belongs to n in the given
// role and has the given shape.
func (p *Program) verifyParam(n *Node, idx int, role string, shape ...int) error {
	if idx < 0 || idx >= len(p.Params) {
		return fmt.Errorf("missing %s", role)
	}
	pr := p.Params[idx]
	if pr.Node != n.ID || pr.Role != role || fmt.Sprint(pr.Shape) != fmt.Sprint(shape) {
		return fmt.Errorf("%s %s has shape %v, want %v", role, pr.Name, pr.Shape, shape)
	}
	return nil
}

// wantInputs checks that n has k inputs.
func wantInputs(n *Node, k int) error {
	if len(n.Inputs) != k {
		return fmt.Errorf("%s has %d inputs, want %d", n.Op, len(n.Inputs), k)
	}
	return nil
}

// noParams checks that n, which has no parameters, refers to none.
func noParams(n *Node) error {
	if n.W != -1 || n.B != -1 {
		return fmt.Errorf("%s node has parameters", n.Op)
	}
	return nil
}
