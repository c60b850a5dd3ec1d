package ir

// Window is a receptive field of R1×R2 sites around a site p: window index
// s = a·R2 + c stands for the displacement (a − H1, c − H2), taken modulo
// the lattice. A window that covers a whole periodic axis has R = L and
// H = 0; otherwise R is odd and H = (R − 1)/2. The plan chooses windows
// (codegen/plan) and the kernels use them (runtime/kern's Window is this
// type).
type Window struct {
	R1, R2, H1, H2 int
}

// Size returns the number of sites in the window.
func (w Window) Size() int { return w.R1 * w.R2 }

// KernelWindow returns the window of a K1×K2 kernel (odd sizes).
func KernelWindow(k1, k2 int) Window { return Window{k1, k2, (k1 - 1) / 2, (k2 - 1) / 2} }

// Grow returns the window of a convolution with a K1×K2 kernel applied to a
// field whose Jacobian lives on w, on an L1×L2 lattice: sizes add (minus
// one) and saturate at the lattice size.
func (w Window) Grow(k1, k2, l1, l2 int) Window {
	grow := func(r, k, l int) (int, int) {
		r += k - 1
		if r >= l {
			return l, 0
		}
		return r, (r - 1) / 2
	}
	var out Window
	out.R1, out.H1 = grow(w.R1, k1, l1)
	out.R2, out.H2 = grow(w.R2, k2, l2)
	return out
}
