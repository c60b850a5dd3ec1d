package kern

import "github.com/mafc-dev/mafc/ir"

// Window is a receptive field of R1×R2 sites around a site p (see
// [ir.Window]; the plan chooses it, the kernels use it).
type Window = ir.Window

// windowIndex returns w's window index of the displacement (d1, d2), or −1
// when it lies outside the window.
func windowIndex(w Window, d1, d2, l1, l2 int) int {
	a := mod(d1+w.H1, l1)
	c := mod(d2+w.H2, l2)
	if a >= w.R1 || c >= w.R2 {
		return -1
	}
	return a*w.R2 + c
}

func mod(a, n int) int {
	a %= n
	if a < 0 {
		a += n
	}
	return a
}

// ConvGeom describes a periodic convolution with a K1×K2 kernel from Cin to
// Cout channels on an L1×L2 lattice, with its neighbour table.
type ConvGeom struct {
	L1, L2, Cin, Cout, K1, K2 int
	// nbr[p·K + t] is the site at displacement t of the kernel window
	// (t = di·K2 + dj ↦ (di − (K1−1)/2, dj − (K2−1)/2)) from site p.
	nbr []int
}

// NewConvGeom builds the geometry of a convolution. It allocates; generated
// code calls it once per workspace.
func NewConvGeom(l1, l2, cin, cout, k1, k2 int) *ConvGeom {
	g := &ConvGeom{L1: l1, L2: l2, Cin: cin, Cout: cout, K1: k1, K2: k2}
	K := k1 * k2
	g.nbr = make([]int, l1*l2*K)
	for r := 0; r < l1; r++ {
		for c := 0; c < l2; c++ {
			p := r*l2 + c
			for di := 0; di < k1; di++ {
				for dj := 0; dj < k2; dj++ {
					rr := mod(r+di-(k1-1)/2, l1)
					cc := mod(c+dj-(k2-1)/2, l2)
					g.nbr[p*K+di*k2+dj] = rr*l2 + cc
				}
			}
		}
	}
	return g
}

// Sites returns L1·L2; K returns K1·K2; ColWidth returns Cin·K1·K2, the
// width of an im2col row.
func (g *ConvGeom) Sites() int    { return g.L1 * g.L2 }
func (g *ConvGeom) K() int        { return g.K1 * g.K2 }
func (g *ConvGeom) ColWidth() int { return g.Cin * g.K1 * g.K2 }

// Im2Col writes the patch matrix of nrows fields (each sites×Cin) to cols:
// row (r, p), column (ci, t) holds src[r, nbr(p, t), ci]. The convolution is
// then cols·Wᵀ with W the Cout×(Cin·K) weight.
func Im2Col[T Float](cols, src []T, nrows int, g *ConvGeom) {
	S, K, C := g.Sites(), g.K(), g.Cin
	if C == 1 {
		im2col1(cols, src, nrows, S, g.nbr[:S*K])
		return
	}
	w := C * K
	for r := 0; r < nrows; r++ {
		field := src[r*S*C : (r+1)*S*C]
		for p := 0; p < S; p++ {
			row := cols[(r*S+p)*w : (r*S+p+1)*w]
			nb := g.nbr[p*K : p*K+K]
			for ci := 0; ci < C; ci++ {
				for t, q := range nb {
					row[ci*K+t] = field[q*C+ci]
				}
			}
		}
	}
}

// Col2ImAdd is the adjoint of Im2Col: it adds cols back into dst.
func Col2ImAdd[T Float](dst, cols []T, nrows int, g *ConvGeom) {
	S, K, C := g.Sites(), g.K(), g.Cin
	if C == 1 {
		col2im1(dst, cols, nrows, S, g.nbr[:S*K])
		return
	}
	w := C * K
	for r := 0; r < nrows; r++ {
		field := dst[r*S*C : (r+1)*S*C]
		for p := 0; p < S; p++ {
			row := cols[(r*S+p)*w : (r*S+p+1)*w]
			nb := g.nbr[p*K : p*K+K]
			for ci := 0; ci < C; ci++ {
				for t, q := range nb {
					field[q*C+ci] += row[ci*K+t]
				}
			}
		}
	}
}

// im2col1 is Im2Col of one-channel fields: a field's patch matrix is then
// the field gathered at the flat neighbour table, one loop without the
// per-site and per-channel slicing (the first convolution of a lattice
// model spent a fifth of a Hutchinson training step in Im2Col).
func im2col1[T Float](cols, src []T, nrows, S int, nbr []int) {
	n := len(nbr)
	for r := 0; r < nrows; r++ {
		field, out := src[r*S:(r+1)*S], cols[r*n:(r+1)*n]
		for i, q := range nbr {
			out[i] = field[q]
		}
	}
}

// col2im1 is Col2ImAdd of one-channel fields (the adjoint of im2col1).
func col2im1[T Float](dst, cols []T, nrows, S int, nbr []int) {
	n := len(nbr)
	for r := 0; r < nrows; r++ {
		field, in := dst[r*S:(r+1)*S], cols[r*n:(r+1)*n]
		for i, q := range nbr {
			field[q] += in[i]
		}
	}
}

// RFGeom describes the receptive-field Jacobian of a convolution whose input
// Jacobian lives on window In and whose output's lives on Out = In grown by
// the kernel.
type RFGeom struct {
	*ConvGeom
	In, Out Window
	// tap[s'·K + t] is the input window index of output window index s'
	// seen from the neighbour at kernel displacement t, or −1.
	tap []int
}

// NewRFGeom builds an RF geometry. It allocates.
func NewRFGeom(g *ConvGeom, in Window) *RFGeom {
	out := in.Grow(g.K1, g.K2, g.L1, g.L2)
	rg := &RFGeom{ConvGeom: g, In: in, Out: out}
	K := g.K()
	rg.tap = make([]int, out.Size()*K)
	for a := 0; a < out.R1; a++ {
		for c := 0; c < out.R2; c++ {
			s := a*out.R2 + c
			for di := 0; di < g.K1; di++ {
				for dj := 0; dj < g.K2; dj++ {
					// The output's input site is p + (a − H1); seen from the
					// neighbour q = p + (di − k1), its displacement is
					// (a − H1) − (di − k1).
					d1 := (a - out.H1) - (di - (g.K1-1)/2)
					d2 := (c - out.H2) - (dj - (g.K2-1)/2)
					rg.tap[s*K+di*g.K2+dj] = windowIndex(in, d1, d2, g.L1, g.L2)
				}
			}
		}
	}
	return rg
}

// RFIm2Col writes the patch matrix of receptive-field Jacobians: row
// (b, p, s'), column (ci, t) holds J[b, nbr(p, t), tap(s', t), ci] (zero
// when the tap falls outside the input window). The output Jacobian is
// cols·Wᵀ, laid out [b][p][s'][co].
func RFIm2Col[T Float](cols, J []T, nb int, g *RFGeom) {
	S, K, C := g.Sites(), g.K(), g.Cin
	Ri, Ro := g.In.Size(), g.Out.Size()
	w := C * K
	for b := 0; b < nb; b++ {
		Jb := J[b*S*Ri*C : (b+1)*S*Ri*C]
		for p := 0; p < S; p++ {
			nbr := g.nbr[p*K : p*K+K]
			for s := 0; s < Ro; s++ {
				row := cols[((b*S+p)*Ro+s)*w : ((b*S+p)*Ro+s+1)*w]
				taps := g.tap[s*K : s*K+K]
				for t, q := range nbr {
					si := taps[t]
					if si < 0 {
						for ci := 0; ci < C; ci++ {
							row[ci*K+t] = 0
						}
						continue
					}
					src := Jb[(q*Ri+si)*C : (q*Ri+si)*C+C]
					for ci, x := range src {
						row[ci*K+t] = x
					}
				}
			}
		}
	}
}

// RFCol2ImAdd is the adjoint of RFIm2Col: it adds the patch-matrix
// cotangent cols into the input Jacobian cotangent Jb.
func RFCol2ImAdd[T Float](Jb, cols []T, nb int, g *RFGeom) {
	S, K, C := g.Sites(), g.K(), g.Cin
	Ri, Ro := g.In.Size(), g.Out.Size()
	w := C * K
	for b := 0; b < nb; b++ {
		Jbb := Jb[b*S*Ri*C : (b+1)*S*Ri*C]
		for p := 0; p < S; p++ {
			nbr := g.nbr[p*K : p*K+K]
			for s := 0; s < Ro; s++ {
				row := cols[((b*S+p)*Ro+s)*w : ((b*S+p)*Ro+s+1)*w]
				taps := g.tap[s*K : s*K+K]
				for t, q := range nbr {
					si := taps[t]
					if si < 0 {
						continue
					}
					dst := Jbb[(q*Ri+si)*C : (q*Ri+si)*C+C]
					for ci := range dst {
						dst[ci] += row[ci*K+t]
					}
				}
			}
		}
	}
}

// RFFromShared writes the receptive-field Jacobian of σ(conv(x)) for a
// convolution applied to the (one-channel) input: J[b,p,s,c] =
// d[b,p,c]·w[c·K + s], with w the Cout×1×K1×K2 kernel. A nil d means 1.
func RFFromShared[T Float](J, d, w []T, nb, sites, K, C int) {
	for b := 0; b < nb; b++ {
		for p := 0; p < sites; p++ {
			o := ((b*sites + p) * K) * C
			for s := 0; s < K; s++ {
				row := J[o+s*C : o+s*C+C]
				for c := range row {
					x := w[c*K+s]
					if d != nil {
						x *= d[(b*sites+p)*C+c]
					}
					row[c] = x
				}
			}
		}
	}
}

// RFScale writes dst[b,p,s,c] = d[b,p,c]·src[b,p,s,c] (dst may be src): it
// is RowsScale with the nb·sites (b, p) pairs as samples.
func RFScale[T Float](dst, src, d []T, nb, sites, R, C int) { RowsScale(dst, src, d, nb*sites, R, C) }

// RFScaleAdd adds d[b,p,c]·src[b,p,s,c] to dst: RowsScaleAdd with the
// nb·sites (b, p) pairs as samples.
func RFScaleAdd[T Float](dst, src, d []T, nb, sites, R, C int) {
	RowsScaleAdd(dst, src, d, nb*sites, R, C)
}

// RFNorm2 writes q[b,p,c] = Σ_s J[b,p,s,c]²: RowsNorm2 with the nb·sites
// (b, p) pairs as samples.
func RFNorm2[T Float](q, J []T, nb, sites, R, C int) { RowsNorm2(q, J, nb*sites, R, C) }

// RFDot writes out[b,p,c] = Σ_s A[b,p,s,c]·B[b,p,s,c]: RowsDot with the
// nb·sites (b, p) pairs as samples.
func RFDot[T Float](out, A, B []T, nb, sites, R, C int) { RowsDot(out, A, B, nb*sites, R, C) }

// RFDotShared writes out[b,p,c] = Σ_s A[b,p,s,c]·w[c·K + s]: RowsDotShared
// with the nb·sites (b, p) pairs as samples and w as the C×K matrix.
func RFDotShared[T Float](out, A, w []T, nb, sites, K, C int) {
	RowsDotShared(out, A, w, nb*sites, C, K)
}

// RFAddScaledShared adds e[b,p,c]·w[c·K + s] to Jb[b,p,s,c].
func RFAddScaledShared[T Float](Jb, e, w []T, nb, sites, K, C int) {
	for bp := 0; bp < nb*sites; bp++ {
		ee := e[bp*C : bp*C+C]
		for s := 0; s < K; s++ {
			o := (bp*K + s) * C
			for c := range Jb[o : o+C] {
				Jb[o+c] += ee[c] * w[c*K+s]
			}
		}
	}
}

// RFSumToKernel adds Σ_{b,p} Jb[b,p,s,c] to dw[c·K + s]: the weight
// gradient of a convolution applied to the input, whose Jacobian is its
// kernel. It is AddRowsT with the nb·sites (b, p) pairs as samples.
func RFSumToKernel[T Float](dw, Jb []T, nb, sites, K, C int) { AddRowsT(dw, Jb, nb*sites, C, K) }

// RFToRows scatters receptive-field Jacobians into tangent-major rows. With
// reduce == 0 the rows have n = sites·C columns (the field itself);
// reduce == 1 sums over sites (n = C, a pool); reduce == 2 sums over sites
// and channels (n = 1). Every entry is multiplied by f. rows (nb·sites rows
// of n) is overwritten.
func RFToRows[T Float](rows, J []T, nb, l1, l2, C int, w Window, reduce int, f T) {
	S, R := l1*l2, w.Size()
	n := rfRowsWidth(S, C, reduce)
	clear(rows[:nb*S*n])
	for b := 0; b < nb; b++ {
		for p := 0; p < S; p++ {
			pr, pc := p/l2, p%l2
			for s := 0; s < R; s++ {
				sigma := mod(pr+s/w.R2-w.H1, l1)*l2 + mod(pc+s%w.R2-w.H2, l2)
				src := J[((b*S+p)*R+s)*C : ((b*S+p)*R+s+1)*C]
				dst := rows[(b*S+sigma)*n : (b*S+sigma+1)*n]
				for c, v := range src {
					switch reduce {
					case 0:
						dst[p*C+c] += f * v
					case 1:
						dst[c] += f * v
					default:
						dst[0] += f * v
					}
				}
			}
		}
	}
}

// RFToRowsTAdd is the adjoint of RFToRows: it gathers row cotangents into
// the receptive-field cotangent Jb (adding).
func RFToRowsTAdd[T Float](Jb, rows []T, nb, l1, l2, C int, w Window, reduce int, f T) {
	S, R := l1*l2, w.Size()
	n := rfRowsWidth(S, C, reduce)
	for b := 0; b < nb; b++ {
		for p := 0; p < S; p++ {
			pr, pc := p/l2, p%l2
			for s := 0; s < R; s++ {
				sigma := mod(pr+s/w.R2-w.H1, l1)*l2 + mod(pc+s%w.R2-w.H2, l2)
				dst := Jb[((b*S+p)*R+s)*C : ((b*S+p)*R+s+1)*C]
				src := rows[(b*S+sigma)*n : (b*S+sigma+1)*n]
				for c := range dst {
					switch reduce {
					case 0:
						dst[c] += f * src[p*C+c]
					case 1:
						dst[c] += f * src[c]
					default:
						dst[c] += f * src[0]
					}
				}
			}
		}
	}
}

func rfRowsWidth(S, C, reduce int) int {
	switch reduce {
	case 0:
		return S * C
	case 1:
		return C
	}
	return 1
}

// AddConvDiag adds (Σ_r e[r,c])·W[c,:] to G[c,:] for the C×K kernel matrix
// W and the rows×C coefficients e: the kernel gradient of a convolution of
// the input from its Jacobian cotangent diag(e)·W. It is AddDiagShared
// with the rows as samples.
func AddConvDiag[T Float](G, e, W []T, rows, C, K int) { AddDiagShared(G, e, W, rows, C, K) }

// Circulant writes the matrix of a periodic convolution as a dense
// (sites·Cout)×(sites·Cin) matrix: row (p, co), column (q, ci) holds
// W[co, ci, di, dj] where q is the site at offset (di − (K1−1)/2,
// dj − (K2−1)/2) from p. A convolution of the input with a kernel over the
// whole lattice is then one GEMM with this matrix, with no im2col.
func Circulant[T Float](dst, W []T, g *ConvGeom) {
	S, K := g.Sites(), g.K()
	cols := S * g.Cin
	clear(dst[:S*g.Cout*cols])
	for p := 0; p < S; p++ {
		nbr := g.nbr[p*K : p*K+K]
		for co := 0; co < g.Cout; co++ {
			row := dst[(p*g.Cout+co)*cols : (p*g.Cout+co+1)*cols]
			for ci := 0; ci < g.Cin; ci++ {
				w := W[(co*g.Cin+ci)*K : (co*g.Cin+ci+1)*K]
				for t, q := range nbr {
					row[q*g.Cin+ci] += w[t]
				}
			}
		}
	}
}

// FoldCirculant adds the gradient of the kernels behind a circulant matrix
// (see Circulant) to dW: dW[co, ci, t] += Σ_p G[(p, co), (nbr(p, t), ci)].
func FoldCirculant[T Float](dW, G []T, g *ConvGeom) {
	S, K := g.Sites(), g.K()
	cols := S * g.Cin
	for p := 0; p < S; p++ {
		nbr := g.nbr[p*K : p*K+K]
		for co := 0; co < g.Cout; co++ {
			row := G[(p*g.Cout+co)*cols : (p*g.Cout+co+1)*cols]
			for ci := 0; ci < g.Cin; ci++ {
				d := dW[(co*g.Cin+ci)*K : (co*g.Cin+ci+1)*K]
				for t, q := range nbr {
					d[t] += row[q*g.Cin+ci]
				}
			}
		}
	}
}
