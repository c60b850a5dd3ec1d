package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/gemm"
)

// factorCase is shiftCase with kernels tied under group (both kernels;
// "" leaves them untied and the geometry gets nil orbit tables): the full
// kernels w1, w2 are expanded from random tied numbers.
func factorCase(rng *rand.Rand, group ir.Group) (fg *FactorGeom, w1, w2, d []float64) {
	g, rg, w1, w2, d := shiftCase(rng)
	if group == "" {
		return NewFactorGeom(rg, nil, 0, nil, 0), w1, w2, d
	}
	o1, n1 := ir.KernelOrbits(group, rg.In.R1)
	o2, n2 := ir.KernelOrbits(group, g.K1)
	TieExpand(w1, randSlice(rng, g.Cin*n1), o1, g.Cin, n1)
	TieExpand(w2, randSlice(rng, g.Cout*g.Cin*n2), o2, g.Cout*g.Cin, n2)
	return NewFactorGeom(rg, o1, n1, o2, n2), w1, w2, d
}

// factorR returns R = D·P by a naive loop: one sample of σ′ d (sites×Cin).
func factorR(fg *FactorGeom, w1, w2, d []float64) []float64 {
	S, C, N := fg.Sites(), fg.Cin, fg.Width()
	P := make([]float64, C*N)
	FactorMatrix(P, w1, w2, fg)
	R := make([]float64, S*N)
	for p := 0; p < S; p++ {
		for j := 0; j < N; j++ {
			for ci := 0; ci < C; ci++ {
				R[p*N+j] += d[p*C+ci] * P[ci*N+j]
			}
		}
	}
	return R
}

// shiftJacobian returns J = X·B of the shifted-kernel GEMM, [p][co][s].
func shiftJacobian(fg *FactorGeom, w1, w2, d []float64) []float64 {
	S, ck, n := fg.Sites(), fg.Cin*fg.K(), fg.Cout*fg.Out.Size()
	X := make([]float64, S*ck)
	Im2Col(X, d, 1, fg.ConvGeom)
	B := make([]float64, ck*n)
	ShiftMatrix(B, w1, w2, fg.RFGeom)
	J := make([]float64, S*n)
	for p := 0; p < S; p++ {
		for k := 0; k < ck; k++ {
			for j := 0; j < n; j++ {
				J[p*n+j] += X[p*ck+k] * B[k*n+j]
			}
		}
	}
	return J
}

// TestFactorJacobianMatchesShift checks the orbit-factored Jacobian
// (FactorMatrix, R = D·P, FactorJacobian) and its row norms (FactorNorms)
// against the shifted-kernel GEMM J = X·B of the same layers, for D4- and
// C4-tied and for untied kernels, on a lattice whose window saturates one
// axis.
func TestFactorJacobianMatchesShift(t *testing.T) {
	for _, group := range []ir.Group{ir.D4, ir.C4, ""} {
		rng := rand.New(rand.NewPCG(5, 6))
		fg, w1, w2, d := factorCase(rng, group)
		if group == ir.D4 && (fg.O != 3 || fg.T != 3) {
			t.Fatalf("D4 3×3 kernels: %d and %d orbits, want 3 and 3", fg.O, fg.T)
		}
		S, C, Ro := fg.Sites(), fg.Cout, fg.Out.Size()
		R := factorR(fg, w1, w2, d)
		got := make([]float64, S*C*Ro)
		FactorJacobian(got, R, make([]float64, Ro*C), 1, fg)
		want := shiftJacobian(fg, w1, w2, d)
		if i := firstDiff(got, want, 1e-12); i >= 0 {
			t.Fatalf("%q: J[%d] = %v, shifted kernels %v", group, i, got[i], want[i])
		}
		q := make([]float64, S*C)
		FactorNorms(q, R, make([]float64, C), 1, fg)
		for r := range q {
			w := dot(want[r*Ro:(r+1)*Ro], want[r*Ro:(r+1)*Ro])
			if math.Abs(q[r]-w) > 1e-12*(1+w) {
				t.Fatalf("%q: q[%d] = %v, want %v", group, r, q[r], w)
			}
		}
	}
}

// firstDiff returns the first index where got and want differ by more than
// tol·(1 + |want|), or −1.
func firstDiff(got, want []float64, tol float64) int {
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			return i
		}
	}
	return -1
}

// TestFactorBackAdjoint checks FactorBack by the dot-product identity: J₂
// is linear in R, and FactorBack adds R̄ = J₂ᵀ(diag(e)·J₂(R)), so
// ⟨R̄, δR⟩ = Σ e·J₂(R)·J₂(δR) for any δR. Two samples, so that each
// sample's neighbours are its own.
func TestFactorBackAdjoint(t *testing.T) {
	for _, group := range []ir.Group{ir.D4, ""} {
		rng := rand.New(rand.NewPCG(7, 8))
		fg, _, _, _ := factorCase(rng, group)
		const nb = 2
		S, C, N, Ro := fg.Sites(), fg.Cout, fg.Width(), fg.Out.Size()
		R, dR, e := randSlice(rng, nb*S*N), randSlice(rng, nb*S*N), randSlice(rng, nb*S*C)
		Rb := randSlice(rng, nb*S*N)
		Rb0 := append([]float64(nil), Rb...)
		FactorBack(Rb, R, e, make([]float64, Ro*C), nb, fg)
		var got float64
		for i := range Rb {
			got += (Rb[i] - Rb0[i]) * dR[i] // FactorBack adds
		}
		J, dJ, sc := make([]float64, nb*S*C*Ro), make([]float64, nb*S*C*Ro), make([]float64, Ro*C)
		FactorJacobian(J, R, sc, nb, fg)
		FactorJacobian(dJ, dR, sc, nb, fg)
		var want float64
		for r := 0; r < nb*S*C; r++ {
			want += e[r] * dot(J[r*Ro:(r+1)*Ro], dJ[r*Ro:(r+1)*Ro])
		}
		if math.Abs(got-want) > 1e-10*math.Abs(want) {
			t.Errorf("%q: ⟨R̄, δR⟩ = %v, Σ e·J·δJ = %v", group, got, want)
		}
	}
}

// TestFactorFoldAdjoint checks FactorFold against FactorMatrix by the
// dot-product identity (P is bilinear in the kernels' representative
// entries, which FactorFold alone writes).
func TestFactorFoldAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	fg, w1, w2, _ := factorCase(rng, ir.D4)
	GP := randSlice(rng, fg.Cin*fg.Width())
	gw1, gw2 := make([]float64, len(w1)), make([]float64, len(w2))
	FactorFold(gw1, gw2, GP, w1, w2, fg)
	P := make([]float64, len(GP))
	δ1, δ2 := randSlice(rng, len(w1)), randSlice(rng, len(w2))
	const tol = 1e-12
	FactorMatrix(P, δ1, w2, fg)
	if got, want := dot(GP, P), dot(gw1, δ1); math.Abs(got-want) > tol*math.Abs(want) {
		t.Errorf("⟨P̄, P(δW₁, W₂)⟩ = %v, ⟨W̄₁, δW₁⟩ = %v", got, want)
	}
	FactorMatrix(P, w1, δ2, fg)
	if got, want := dot(GP, P), dot(gw2, δ2); math.Abs(got-want) > tol*math.Abs(want) {
		t.Errorf("⟨P̄, P(W₁, δW₂)⟩ = %v, ⟨W̄₂, δW₂⟩ = %v", got, want)
	}
	nz := 0
	for _, v := range gw1 {
		if v != 0 {
			nz++
		}
	}
	if nz != fg.Cin*fg.O {
		t.Errorf("FactorFold wrote %d entries of W̄₁, want one per channel and orbit (%d)", nz, fg.Cin*fg.O)
	}
}

// TestFactorGeomRejectsBadOrbits: orbit tables that do not fit the kernel,
// or leave an orbit empty, panic with a kern message.
func TestFactorGeomRejectsBadOrbits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	_, rg, _, _, _ := shiftCase(rng)
	for name, f := range map[string]func(){
		"short table": func() { NewFactorGeom(rg, []int{0, 0}, 1, nil, 0) },
		"empty orbit": func() { NewFactorGeom(rg, nil, 0, make([]int, 9), 2) },
		"out of range": func() {
			o := make([]int, 9)
			o[3] = 5
			NewFactorGeom(rg, nil, 0, o, 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkFactorStep2 times, for ising16_cnn's second convolution (16
// channels, 5×5 and 3×3 kernels tied under D4, 16×16 lattice) and 16
// samples, step 2 of the factored Jacobian with the row norms
// (FactorNorms: K·Ri sparse adds per site and channel) against the same map
// as one dense GEMM, (M·Cout × K·O)·(K·O × window), plus RowNorms (without
// the gather that GEMM would also need), next to step 1's GEMM and the
// reverse's FactorBack; the norms also one sample at a time (without
// factorNorms4, which takes fewer than 16 channels four samples at a
// time), twice interleaved. ns/site is per sample and site.
func BenchmarkFactorStep2(b *testing.B) {
	for _, C := range []int{16, 4} {
		b.Run(fmt.Sprintf("C=%d", C), func(b *testing.B) { benchFactorStep2(b, C) })
	}
}

// benchFactorStep2 is one channel count of BenchmarkFactorStep2.
func benchFactorStep2(b *testing.B, C int) {
	const nb, L, K1, KF = 16, 16, 3, 5
	g := NewConvGeom(L, L, C, C, K1, K1)
	rg := NewRFGeom(g, ir.KernelWindow(KF, KF))
	o1, n1 := ir.KernelOrbits(ir.D4, KF)
	o2, n2 := ir.KernelOrbits(ir.D4, K1)
	fg := NewFactorGeom(rg, o1, n1, o2, n2)
	rng := rand.New(rand.NewPCG(1, 2))
	S, N, Ro, KO := g.Sites(), fg.Width(), rg.Out.Size(), g.K()*n1
	M := nb * S
	R, e, q := randSlice(rng, M*N), randSlice(rng, M*C), make([]float64, M*C)
	Rb, J := make([]float64, M*N), make([]float64, Ro*C)
	d, P := randSlice(rng, M*C), randSlice(rng, C*N)
	var pp, pe gemm.PackedB64
	pp.Pack(false, C, N, P, N)
	E := randSlice(rng, KO*Ro)
	pe.Pack(false, KO, Ro, E, Ro)
	A, Jd := randSlice(rng, M*C*KO), make([]float64, M*C*Ro)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"step1-gemm", func() { gemm.DgemmPacked(false, M, 1, d, C, &pp, 0, R, N) }},
		{"step2-sparse-norms", func() { FactorNorms(q, R, J, nb, fg) }},
		{"step2-sparse-norms-1sample", func() {
			norms4 = false
			FactorNorms(q, R, J, nb, fg)
			norms4 = true
		}},
		{"step2-sparse-norms#2", func() { FactorNorms(q, R, J, nb, fg) }},
		{"step2-sparse-norms-1sample#2", func() {
			norms4 = false
			FactorNorms(q, R, J, nb, fg)
			norms4 = true
		}},
		{"step2-dense-gemm-norms", func() {
			gemm.DgemmPacked(false, M*C, 1, A, KO, &pe, 0, Jd, Ro)
			RowNorms(q, Jd, M*C, Ro)
		}},
		{"back-sparse", func() { FactorBack(Rb, R, e, J, nb, fg) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.f()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*M), "ns/site")
		})
	}
}

// TestFactorRowsPaths checks the row sums of the sparse map (storeRows,
// normRows, axpyRows) on random offsets, for channel counts that take the
// assembly's wide and narrow blocks and the portable code, in both
// precisions, against a naive loop; where the assembly runs, also with it
// switched off.
func TestFactorRowsPaths(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !useFactorAsm {
			continue
		}
		saved := useFactorAsm
		useFactorAsm = asm
		for _, C := range []int{1, 3, 4, 8, 12, 16, 20, 24, 32, 36} {
			checkRows[float64](t, C, asm, 1e-12)
			checkRows[float32](t, C, asm, 1e-5)
		}
		useFactorAsm = saved
	}
}

// TestFactorRows512: the AVX-512 row sums give bitwise the AVX2 kernels'
// results (store, norms, axpy) in both precisions, for channel counts with
// and without 16-channel blocks and windows of 0–10 rows; and the paths of
// TestFactorRowsPaths hold with them.
func TestFactorRows512(t *testing.T) {
	if !useFactorAsm || !useFactorAsm512 {
		t.Skip("no AVX-512")
	}
	defer func() { useFactorAsm512 = true }()
	for _, C := range []int{4, 8, 12, 16, 20, 24, 32, 36, 48} {
		if C%4 == 0 {
			check512[float64](t, C)
			checkRows[float64](t, C, true, 1e-12)
		}
		if C%8 == 0 {
			check512[float32](t, C)
			checkRows[float32](t, C, true, 1e-5)
		}
	}
}

// check512 runs one case of TestFactorRows512.
func check512[T Float](t *testing.T, C int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(C), 11))
	const n, rows = 9, 29
	start := make([]int, n+1)
	var off []int32
	for k := 0; k < n; k++ {
		for range rng.IntN(11) {
			off = append(off, int32(rng.IntN(rows)*C))
		}
		start[k+1] = len(off)
	}
	rnd := func(m int) []T {
		v := make([]T, m)
		for i := range v {
			v[i] = T(rng.NormFloat64())
		}
		return v
	}
	src, e, dst0 := rnd(rows*C), rnd(C), rnd(rows*C)
	doff := make([]int32, n)
	for k := range doff {
		doff[k] = int32(rng.IntN(rows) * C)
	}
	run := func(z bool) [3][]T {
		useFactorAsm512 = z
		st, q, ax := make([]T, n*C), make([]T, C), append([]T(nil), dst0...)
		storeRows(st, src, off, start, n, C)
		normRows(q, make([]T, C), src, off, start, n, C)
		axpyRows(ax, doff, e, src, off, start, n, C)
		return [3][]T{st, q, ax}
	}
	got, want := run(true), run(false)
	useFactorAsm512 = true
	for i, what := range []string{"storeRows", "normRows", "axpyRows"} {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("C=%d float%d %s[%d]: AVX-512 %v, AVX2 %v", C, 8*unsafe.Sizeof(T(0)), what, j, got[i][j], want[i][j])
			}
		}
	}
}

// checkRows runs one case of TestFactorRowsPaths.
func checkRows[T Float](t *testing.T, C int, asm bool, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(C), 3))
	const n, rows = 7, 23
	start := make([]int, n+1)
	var off []int32
	for k := 0; k < n; k++ {
		for range rng.IntN(11) { // windows of 0–10 rows: the narrow block's four chains and its tail
			off = append(off, int32(rng.IntN(rows)*C))
		}
		start[k+1] = len(off)
	}
	src, e := make([]T, rows*C), make([]T, C)
	for i := range src {
		src[i] = T(rng.NormFloat64())
	}
	for i := range e {
		e[i] = T(rng.NormFloat64())
	}
	a := make([]float64, n*C) // the naive sums a_k
	for k := 0; k < n; k++ {
		for _, o := range off[start[k]:start[k+1]] {
			for c := 0; c < C; c++ {
				a[k*C+c] += float64(src[int(o)+c])
			}
		}
	}
	name := func(op string) string {
		return fmt.Sprintf("%s C=%d float%d asm=%v", op, C, 8*unsafe.Sizeof(T(0)), asm)
	}
	st := make([]T, n*C)
	storeRows(st, src, off, start, n, C)
	q, row := make([]T, C), make([]T, C)
	normRows(q, row, src, off, start, n, C)
	doff := make([]int32, n)
	for k := range doff {
		doff[k] = int32(rng.IntN(rows) * C)
	}
	dst := make([]T, rows*C)
	axpyRows(dst, doff, e, src, off, start, n, C)
	want := make([]float64, rows*C)
	for k := 0; k < n; k++ {
		for c := 0; c < C; c++ {
			if d := float64(st[k*C+c]) - a[k*C+c]; math.Abs(d) > tol*(1+math.Abs(a[k*C+c])) {
				t.Fatalf("%s: a[%d, %d] = %v, want %v", name("storeRows"), k, c, st[k*C+c], a[k*C+c])
			}
			want[int(doff[k])+c] += float64(e[c]) * a[k*C+c]
		}
	}
	for c := 0; c < C; c++ {
		var w float64
		for k := 0; k < n; k++ {
			w += a[k*C+c] * a[k*C+c]
		}
		if math.Abs(float64(q[c])-w) > tol*(1+w) {
			t.Fatalf("%s: q[%d] = %v, want %v", name("normRows"), c, q[c], w)
		}
	}
	for i := range want {
		if math.Abs(float64(dst[i])-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s: dst[%d] = %v, want %v", name("axpyRows"), i, dst[i], want[i])
		}
	}
}

// TestFactorNormsFourSamples checks FactorNorms where the assembly takes
// four samples per offset (factorNorms4: 4 and 8 channels, 6 samples, so
// that two go the one-sample way) against the portable code, and checks
// that it writes nothing past the samples' norms.
func TestFactorNormsFourSamples(t *testing.T) {
	if !useFactorAsm {
		t.Skip("no assembly kernels")
	}
	for _, C := range []int{4, 8} {
		g := NewConvGeom(6, 7, 3, C, 3, 3)
		rg := NewRFGeom(g, ir.KernelWindow(5, 5))
		o1, n1 := ir.KernelOrbits(ir.D4, 5)
		o2, n2 := ir.KernelOrbits(ir.D4, 3)
		fg := NewFactorGeom(rg, o1, n1, o2, n2)
		const nb = 6
		S, N := g.Sites(), fg.Width()
		rng := rand.New(rand.NewPCG(uint64(C), 9))
		R := randSlice(rng, nb*S*N)
		got, want := make([]float64, nb*S*C+1), make([]float64, nb*S*C)
		got[nb*S*C] = 42
		if n := factorNorms4(got[:nb*S*C], R, nb, fg); n != 4 {
			t.Fatalf("C=%d: factorNorms4 did %d samples, want 4", C, n)
		}
		FactorNorms(got[:nb*S*C], R, make([]float64, C), nb, fg)
		useFactorAsm = false
		FactorNorms(want, R, make([]float64, C), nb, fg)
		useFactorAsm = true
		if i := firstDiff(got[:nb*S*C], want, 1e-12); i >= 0 {
			t.Fatalf("C=%d: q[%d] = %v, portable %v", C, i, got[i], want[i])
		}
		if got[nb*S*C] != 42 {
			t.Fatalf("C=%d: wrote past the norms", C)
		}
	}
}

// BenchmarkRowSums: storeRows of 4096 windows of nine 16-channel rows at
// random offsets into 4096 rows, in both precisions, with the AVX2 and
// (where the CPU has it) the AVX-512 kernels.
func BenchmarkRowSums(b *testing.B) {
	b.Run("float64", func(b *testing.B) { benchRowSums[float64](b) })
	b.Run("float32", func(b *testing.B) { benchRowSums[float32](b) })
}

func benchRowSums[T Float](b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const C, n, rows, W = 16, 4096, 4096, 9
	start := make([]int, n+1)
	off := make([]int32, n*W)
	for k := 0; k < n; k++ {
		for j := 0; j < W; j++ {
			off[k*W+j] = int32(rng.IntN(rows) * C)
		}
		start[k+1] = (k + 1) * W
	}
	src, dst := make([]T, rows*C), make([]T, n*C)
	for i := range src {
		src[i] = T(rng.NormFloat64())
	}
	saved := useFactorAsm512
	defer func() { useFactorAsm512 = saved }()
	for _, z := range []bool{false, true} {
		name := "avx2"
		if z {
			if !saved {
				continue
			}
			name = "avx512"
		}
		b.Run(name, func(b *testing.B) {
			useFactorAsm512 = z
			for b.Loop() {
				storeRows(dst, src, off, start, n, C)
			}
		})
	}
}
