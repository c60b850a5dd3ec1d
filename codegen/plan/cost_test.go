package plan_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
)

func compile(t *testing.T, src string) *ir.Program {
	t.Helper()
	p, err := dsl.Compile("t.maf", []byte(src))
	require.NoError(t, err)
	return p
}

// node returns the plan of the node called name.
func node(t *testing.T, pl *plan.Plan, name string) *plan.Node {
	t.Helper()
	for _, n := range pl.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %q", name)
	return nil
}

// buffer returns m's workspace buffer called name (nil: none).
func buffer(m *plan.Model, name string) *plan.Buffer {
	for i, b := range m.Workspace.Buffers {
		if b.Name == name {
			return &m.Workspace.Buffers[i]
		}
	}
	return nil
}

// TestClosedFormFirstLayer: a dense layer of the input keeps J = W (no
// Jacobian products at all) for the exact Laplacian, while Hutchinson
// propagates one probe row per sample: 2·out·in·P flops.
func TestClosedFormFirstLayer(t *testing.T) {
	p := compile(t, "model a\ninput x: vector(6)\npotential {\n  h = tanh(dense(x, 5))\n  phi = dense(h, 1)\n}\n")
	m := plan.New(p, plan.Config{})
	for _, md := range []plan.Mode{plan.Laplacian, plan.Reverse} {
		pl := m.Plan(md)
		require.Equal(t, plan.Shared, node(t, pl, "h.dense").Kind, "%v", md)
		require.Equal(t, plan.Identity, node(t, pl, "x").Kind, "%v", md)
		require.Zero(t, pl.Flops(), "%v: the closed form needs no Jacobian products", md)
	}
	h := m.Plan(plan.Hutch)
	require.Equal(t, plan.Rows, node(t, h, "h.dense").Kind)
	require.Equal(t, 2.0*5*6*1, h.Flops())
	// The dense baseline keeps D = 6 rows per sample.
	d := plan.BuildWith(p, plan.Laplacian, 1, true)
	require.Equal(t, plan.Rows, node(t, d, "h.dense").Kind)
	require.Equal(t, 2.0*5*6*6, d.Flops())
	// Its outputs are what LaplacianSave keeps; h is lite (only φ reads it).
	require.Equal(t, node(t, h, "h.dense").ID, m.SaveNode)
	require.Equal(t, node(t, h, "h").ID, m.LiteAct)
}

// chain is x ∈ R^D → dense(w) → tanh → dense(w) → tanh → dense(1).
func chain(D, w int) string {
	return "model a\ninput x: vector(" + strconv.Itoa(D) + ")\npotential {\n  h1 = tanh(dense(x, " + strconv.Itoa(w) + "))\n  h2 = tanh(dense(h1, " + strconv.Itoa(w) + "))\n  phi = dense(h2, 1)\n}\n"
}

// TestGramForNarrowChains: the second dense layer of a chain narrower than
// D propagates per-sample Gram matrices (in²·out + out²·in multiply-adds)
// instead of D Jacobian rows (out·in·D); a chain wider than D keeps rows.
// Gram matrices exist only for the Laplacian: the reverse mode keeps rows.
func TestGramForNarrowChains(t *testing.T) {
	narrow := plan.New(compile(t, chain(64, 4)), plan.Config{})
	lp := narrow.Plan(plan.Laplacian)
	require.Equal(t, plan.Shared, node(t, lp, "h1.dense").Kind)
	require.Equal(t, plan.Scaled, node(t, lp, "h1").Kind)
	require.Equal(t, plan.Gram, node(t, lp, "h2.dense").Kind)
	require.Equal(t, 2.0*(4*4*4+4*4*4), lp.Flops())
	require.True(t, narrow.Workspace.Gram[node(t, lp, "h2.dense").ID])
	require.True(t, narrow.Workspace.GramBase[node(t, lp, "h1.dense").ID], "W·Wᵀ of the first layer is held on the model")
	rp := narrow.Plan(plan.Reverse)
	require.Equal(t, plan.Rows, node(t, rp, "h2.dense").Kind)
	require.True(t, node(t, rp, "h2.dense").RowsFromScaled)
	require.Equal(t, 2.0*4*4*64, rp.Flops())

	wide := plan.New(compile(t, chain(4, 16)), plan.Config{})
	lw := wide.Plan(plan.Laplacian)
	require.Equal(t, plan.Rows, node(t, lw, "h2.dense").Kind, "16·16·4 row products are cheaper than 2·16³ Gram products")
	require.True(t, node(t, lw, "h2.dense").RowsFromScaled)
	require.Equal(t, 2.0*16*16*4, lw.Flops())
}

const cnn = `model a
input s: lattice(8)
potential {
  h1 = tanh(conv(s, 2, kernel = 3))
  h2 = tanh(conv(h1, 2, kernel = 3))
  phi = sum(h2)
}
`

// TestReceptiveFieldsForConvolutions: a convolution of a convolution of
// the input keeps its Jacobian on the 5×5 receptive field, never D = 64
// wide: 2·(sites·Cout)·(Cin·K²)·window flops, three times that in the
// reverse mode; the shifted-kernel GEMMs do the same flops and are chosen
// where they move less data.
func TestReceptiveFieldsForConvolutions(t *testing.T) {
	p := compile(t, cnn)
	rf := plan.BuildOptions(p, plan.Laplacian, 1, plan.Options{NoShift: true})
	require.Equal(t, plan.ConvShared, node(t, rf, "h1.conv").Kind)
	require.Equal(t, 3, node(t, rf, "h1.conv").Window.R1)
	require.Equal(t, plan.RF, node(t, rf, "h1").Kind)
	h2 := node(t, rf, "h2.conv")
	require.Equal(t, plan.RF, h2.Kind)
	require.Equal(t, [2]int{5, 5}, [2]int{h2.Window.R1, h2.Window.R2})
	want := 2.0 * (8 * 8 * 2) * (2 * 3 * 3) * 25
	require.Equal(t, want, rf.Flops())
	require.Equal(t, 3*want, plan.BuildOptions(p, plan.Reverse, 1, plan.Options{NoShift: true}).Flops())

	m := plan.New(p, plan.Config{NoFactor: true})
	sh := m.Plan(plan.Laplacian)
	require.Equal(t, plan.ShiftRF, node(t, sh, "h2.conv").Kind)
	require.Equal(t, plan.ConvScaled, node(t, sh, "h1").Kind)
	require.Equal(t, want, sh.Flops())
	for _, name := range []string{"h1.conv", "h2.conv"} {
		require.Equal(t, plan.Im2col, m.Lowering[node(t, sh, name).ID], name)
	}
}

// TestOrbitFactoredConvolutions: the shifted-kernel convolution is
// factored by its kernels' orbits where that takes fewer flops and no more
// memory. D4-tied 3×3 kernels (3 orbits each), 2 channels: per site a GEMM
// of 2·Cin·T·O·Cout = 2·2·3·3·2 flops and K·Ri = 9·9 adds per output
// channel, against the shifted-kernel GEMM's 2·(Cin·K)·(Cout·window) =
// 2·18·50, and R of T·O·Cout = 18 reals per site against X and J's 18 + 50;
// the reverse mode counts three GEMMs, the map three times and the
// coefficients (Cout·K·O). Untied, R would take 9·9·2 = 162 reals per site:
// the shifted-kernel GEMM stays.
func TestOrbitFactoredConvolutions(t *testing.T) {
	p := compile(t, strings.ReplaceAll(cnn, "kernel = 3)", "kernel = 3, symmetric = d4)"))
	m := plan.New(p, plan.Config{})
	fa := m.Plan(plan.Laplacian)
	h2 := node(t, fa, "h2.conv")
	require.Equal(t, plan.Factored, h2.Kind)
	require.Equal(t, plan.ConvScaled, node(t, fa, "h1").Kind)
	f := m.FactorShape(h2.Node)
	require.Equal(t, [2]int{3, 3}, [2]int{f.O, f.T})
	require.Equal(t, 18, f.Width())
	const sites = 64
	require.Equal(t, sites*(2.0*2*18+2*81), fa.Flops())
	require.Less(t, fa.Flops(), 2.0*sites*18*50)
	rev := m.Plan(plan.Reverse)
	require.True(t, node(t, rev, "h2.conv").JBCoef, "the cotangent is held as the row norms' coefficients")
	require.True(t, node(t, rev, "h1").JBShift)
	require.Equal(t, sites*(3*2.0*2*18+3*2*81+2*9*3), rev.Flops())

	untied := plan.New(compile(t, cnn), plan.Config{}).Plan(plan.Laplacian)
	require.Equal(t, plan.ShiftRF, node(t, untied, "h2.conv").Kind, "untied, R would outgrow X and J")
}

// TestCirculantForWholeLatticeKernels: a convolution of the input whose
// kernel spans the lattice is one dense product with its circulant matrix;
// a smaller kernel goes through im2col.
func TestCirculantForWholeLatticeKernels(t *testing.T) {
	src := func(k string) string {
		return "model a\ninput s: lattice(6)\npotential {\n  h = lncosh(conv(s, 2, kernel = " + k + ", bias = false))\n  phi = sum(h)\n}\n"
	}
	whole := plan.New(compile(t, src("6")), plan.Config{})
	id := node(t, whole.Plan(plan.Laplacian), "h.conv").ID
	require.Equal(t, plan.Circulant, whole.Lowering[id])
	require.True(t, whole.Circulant(whole.Prog.Nodes[id]))
	require.Equal(t, plan.ConvShared, whole.Plan(plan.Laplacian).Nodes[id].Kind)
	gcirc := buffer(whole, "hConvGCirc")
	require.NotNil(t, gcirc, "the circulant matrix's gradient buffer")
	require.Equal(t, 36*72, gcirc.Reals(1, 1))

	small := plan.New(compile(t, src("3")), plan.Config{})
	require.Equal(t, plan.Im2col, small.Lowering[node(t, small.Plan(plan.Laplacian), "h.conv").ID])
}

// TestDirectForTiedKernels: a convolution of two or more channels whose
// kernel is tied goes direct by its tap orbits (a third of the products for
// a D4-tied 3×3 kernel, and no im2col), with Z of T·Cout = 3·4 columns in
// the cols scratch; a tied one of the one-channel input goes by the orbit
// sums of its input, with its T×Cout = 3×2 matrix's gradient buffer; an
// untied one goes through im2col.
func TestDirectForTiedKernels(t *testing.T) {
	src := func(sym string) string {
		return "model a\ninput s: lattice(8)\npotential {\n  h1 = tanh(conv(s, 2, kernel = 3" + sym + "))\n  h2 = tanh(conv(h1, 4, kernel = 3" + sym + "))\n  phi = sum(h2)\n}\n"
	}
	tied := plan.New(compile(t, src(", symmetric = d4")), plan.Config{})
	lp := tied.Plan(plan.Laplacian)
	h1 := node(t, lp, "h1.conv")
	require.Equal(t, plan.Gather, tied.Lowering[h1.ID], "one input channel")
	require.True(t, tied.Gather(h1.Node))
	h2 := node(t, lp, "h2.conv")
	require.Equal(t, plan.Direct, tied.Lowering[h2.ID])
	require.True(t, tied.Direct(h2.Node))
	require.Equal(t, 12, plan.DirectWidth(h2.Node))
	gdir := buffer(tied, "h2ConvGDir")
	require.NotNil(t, gdir, "the tap-orbit matrix's gradient buffer")
	require.Equal(t, 12*2, gdir.Reals(1, 1))
	ggat := buffer(tied, "h1ConvGGat")
	require.NotNil(t, ggat, "the gathered convolution's orbit matrix gradient buffer")
	require.Equal(t, 3*2, ggat.Reals(1, 1))

	untied := plan.New(compile(t, src("")), plan.Config{})
	ul := untied.Plan(plan.Laplacian)
	require.Equal(t, plan.Im2col, untied.Lowering[node(t, ul, "h1.conv").ID])
	require.Equal(t, plan.Im2col, untied.Lowering[node(t, ul, "h2.conv").ID])
}

// TestChunkFromBudget: the chunk is the budget over the Jacobian bytes per
// sample, at most MaxChunk and at least 1.
func TestChunkFromBudget(t *testing.T) {
	p := compile(t, chain(64, 32))
	m := plan.New(p, plan.Config{})
	per := m.Workspace.JacobianPerSample
	require.Positive(t, per)
	require.Equal(t, plan.MaxChunk, m.Chunk)
	small := plan.New(p, plan.Config{MemoryBudget: int(10 * per)})
	require.Equal(t, 10, small.Chunk)
	require.Equal(t, 1, plan.New(p, plan.Config{MemoryBudget: 1}).Chunk)
	require.GreaterOrEqual(t, small.ValueChunk, small.Chunk)
}
