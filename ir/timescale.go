package ir

// The split form of TimeMap, for kernels that keep what they derive from
// the weights that do not depend on t across stage times, and for Scaled
// layers, whose kernels apply the gate s as a per-output scale of W·x:
//
//	ApplyTheta: once per θ, everything of θ′ that does not depend on t
//	            (the layers without time terms, the weights W of the
//	            layers without a gate and of the Scaled layers);
//	ApplyTime:  at each new t, the rest (W′ = diag(s)·W of the other gated
//	            layers, every b′) and the gate vector s of the Scaled layers;
//	BackTime:   after each gradient at t, maps back (and clears) what
//	            depends on t: those b′, W′ and the Scaled layers' gate
//	            gradients;
//	BackFixed:  adds (and clears) the rest, whose map does not depend on t,
//	            so that gradients at several times may be summed first.
//
// Apply, ApplyBias and Back are for maps without Scaled layers.

// fixedW reports whether the kernel weight of l does not depend on t (it
// is θ's W itself).
func (l *TimeLayer) fixedW() bool { return l.GF.Len() == 0 || l.Scaled }

// gate returns s_j and the shift of output j at features fg (1 and 0
// without a gate).
func (l *TimeLayer) gate(theta, fg []float64, j int) (s, shift float64) {
	ng := len(fg)
	if ng == 0 {
		return 1, 0
	}
	s = sigmoid(dot(theta[l.A+j*ng:l.A+(j+1)*ng], fg) + theta[l.C+j])
	if l.V >= 0 {
		shift = dot(theta[l.V+j*ng:l.V+(j+1)*ng], fg)
	}
	return s, shift
}

// bias returns output j's bias before the gate, b + U·f(t), for the time
// features fu.
func (l *TimeLayer) bias(theta, fu []float64, j int) float64 {
	b := 0.0
	if l.B >= 0 {
		b = theta[l.B+j]
	}
	if nu := len(fu); nu > 0 {
		b += dot(theta[l.U+j*nu:l.U+(j+1)*nu], fu)
	}
	return b
}

// ApplyTheta writes the part of θ′ that does not depend on t to kernel. It
// does not allocate.
func (m *TimeMap) ApplyTheta(kernel, theta []float64) {
	for _, c := range m.Copies {
		copy(kernel[c[1]:c[1]+c[2]], theta[c[0]:c[0]+c[2]])
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		if l.fixedW() {
			n := l.Out * l.Row
			copy(kernel[l.KW:l.KW+n], theta[l.W:l.W+n])
		}
	}
}

// ApplyTime writes the part of θ′(t) that depends on t to kernel, which
// holds ApplyTheta's part for the same theta, and the gate values of the
// Scaled layers to s (m.NumScaled elements). scratch has m.Scratch
// elements. It does not allocate.
func (m *TimeMap) ApplyTime(kernel, theta []float64, t float64, scratch, s []float64) {
	for li := range m.Layers {
		l := &m.Layers[li]
		fu, fg, _, _ := l.scratch(scratch, t)
		for j := 0; j < l.Out; j++ {
			sj, shift := l.gate(theta, fg, j)
			switch {
			case l.Scaled:
				s[l.S+j] = sj
			case !l.fixedW():
				kw, w := kernel[l.KW+j*l.Row:l.KW+(j+1)*l.Row], theta[l.W+j*l.Row:l.W+(j+1)*l.Row]
				for i, v := range w {
					kw[i] = sj * v
				}
			}
			if l.KB >= 0 {
				kernel[l.KB+j] = sj*l.bias(theta, fu, j) + shift
			}
		}
	}
}

// BackTime adds to dtheta the part of the gradient with respect to θ that
// depends on t, of a function whose gradient with respect to θ′(t) is
// dkernel and, for the Scaled layers, whose gradient with respect to their
// gate values s is gs/s (gs holds s⊙∂/∂s, m.NumScaled elements, from the
// kernels' use of s). It clears what it read: gs, and the ranges of dkernel
// that depend on t. scratch has m.Scratch elements. It does not allocate.
func (m *TimeMap) BackTime(dtheta, dkernel, theta []float64, t float64, scratch, gs []float64) {
	for li := range m.Layers {
		l := &m.Layers[li]
		fu, fg, _, _ := l.scratch(scratch, t)
		nu, ng := len(fu), len(fg)
		for j := 0; j < l.Out; j++ {
			sj, _ := l.gate(theta, fg, j)
			var sds float64 // s_j·∂/∂s_j
			switch {
			case l.Scaled:
				sds, gs[l.S+j] = gs[l.S+j], 0
			case !l.fixedW():
				w, dw, dkw := theta[l.W+j*l.Row:l.W+(j+1)*l.Row], dtheta[l.W+j*l.Row:l.W+(j+1)*l.Row], dkernel[l.KW+j*l.Row:l.KW+(j+1)*l.Row]
				var ds float64
				for i, v := range dkw {
					dw[i] += sj * v
					ds += v * w[i]
				}
				clear(dkw)
				sds = sj * ds
			}
			if l.KB >= 0 {
				db := dkernel[l.KB+j] // ∂/∂b′_j
				dkernel[l.KB+j] = 0
				b := 0.0
				if l.B >= 0 {
					b = theta[l.B+j]
					dtheta[l.B+j] += sj * db
				}
				if nu > 0 {
					b += dot(theta[l.U+j*nu:l.U+(j+1)*nu], fu)
					du := dtheta[l.U+j*nu : l.U+(j+1)*nu]
					for k, f := range fu {
						du[k] += sj * db * f
					}
				}
				sds += sj * db * b
				if l.V >= 0 {
					dv := dtheta[l.V+j*ng : l.V+(j+1)*ng]
					for k, f := range fg {
						dv[k] += db * f
					}
				}
			}
			if ng > 0 {
				da := sds * (1 - sj) // ∂/∂(A·f + c) = s(1−s)·∂/∂s
				dA := dtheta[l.A+j*ng : l.A+(j+1)*ng]
				for k, f := range fg {
					dA[k] += da * f
				}
				dtheta[l.C+j] += da
			}
		}
	}
}

// BackFixed adds to dtheta the part of the gradient with respect to θ whose
// map from dkernel does not depend on t (the ranges ApplyTheta writes), and
// clears those ranges of dkernel. It does not allocate.
func (m *TimeMap) BackFixed(dtheta, dkernel []float64) {
	add := func(d, k []float64) {
		for i, v := range k {
			d[i] += v
		}
		clear(k)
	}
	for _, c := range m.Copies {
		add(dtheta[c[0]:c[0]+c[2]], dkernel[c[1]:c[1]+c[2]])
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		if l.fixedW() {
			n := l.Out * l.Row
			add(dtheta[l.W:l.W+n], dkernel[l.KW:l.KW+n])
		}
	}
}
