package ising

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestLatticeNeighbours(t *testing.T) {
	l := Lattice{3, 4}
	require.NoError(t, l.Validate())
	assert.Error(t, Lattice{2, 4}.Validate())
	assert.Equal(t, 12, l.N())
	// Site 0 = (0,0): up (2,0)=8, down (1,0)=4, left (0,3)=3, right (0,1)=1.
	assert.Equal(t, [4]int{8, 4, 3, 1}, l.Neighbours(0))
	assert.Equal(t, 0, l.Right(3))
	assert.Equal(t, 1, l.Down(9))
	assert.Equal(t, 11, l.Index(-1, -1))
	r, c := l.Coords(7)
	assert.Equal(t, [2]int{1, 3}, [2]int{r, c})
	// Each site has 4 distinct neighbours and the relation is symmetric.
	for _, l := range []Lattice{{3, 3}, {3, 5}, {4, 4}, {6, 5}} {
		for i := 0; i < l.N(); i++ {
			nb := l.Neighbours(i)
			assert.Contains(t, nb, l.Right(i))
			assert.Contains(t, nb, l.Down(i))
			seen := map[int]bool{}
			for _, j := range nb {
				assert.NotEqual(t, i, j)
				seen[j] = true
				assert.Contains(t, l.Neighbours(j), i)
			}
			assert.Len(t, seen, 4)
		}
	}
}

func TestEnergyMagnetisation(t *testing.T) {
	l := Lattice{4, 6}
	n := l.N()
	up := make([]int8, n)
	for i := range up {
		up[i] = 1
	}
	// Ground state: all 2N bonds satisfied.
	assert.Equal(t, -2.0*float64(n), Energy(up, l.L1, l.L2))
	assert.Equal(t, 1.0, Magnetisation(up))
	// Checkerboard (both sides even): all bonds broken, m = 0.
	cb := make([]int8, n)
	for i := range cb {
		r, c := l.Coords(i)
		cb[i] = int8(1 - 2*((r+c)%2))
	}
	assert.Equal(t, 2.0*float64(n), Energy(cb, l.L1, l.L2))
	assert.Equal(t, 0.0, Magnetisation(cb))
	// One flipped spin breaks 4 bonds.
	up[5] = -1
	assert.Equal(t, -2.0*float64(n)+8, Energy(up, l.L1, l.L2))
	assert.InDelta(t, float64(n-2)/float64(n), Magnetisation(up), 1e-15)
	// Random spins: compare with ½ sᵀAs from the dense adjacency matrix.
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range []Lattice{{3, 3}, {3, 7}, {5, 4}} {
		a := adjacency(l)
		s := make([]int8, l.N())
		sv := mat.NewVecDense(l.N(), nil)
		for rep := 0; rep < 10; rep++ {
			for i := range s {
				s[i] = int8(2*rng.IntN(2) - 1)
				sv.SetVec(i, float64(s[i]))
			}
			assert.Equal(t, -0.5*mat.Inner(sv, a, sv), Energy(s, l.L1, l.L2))
		}
	}
	requirePanicsIsing(t, func() { Energy(make([]int8, 5), 3, 3) })
	requirePanicsIsing(t, func() { Energy(make([]int8, 4), 2, 2) })
	requirePanicsIsing(t, func() { Magnetisation(nil) })
}

func TestSpinsProbabilities(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := []float64{-2, -0.5, 0, 0.3, 1.5, 1e3, -1e3}
	const draws = 40000
	ups := make([]int, len(x))
	s := make([]int8, len(x))
	for k := 0; k < draws; k++ {
		Spins(s, x, rng)
		for i, v := range s {
			require.True(t, v == 1 || v == -1)
			if v == 1 {
				ups[i]++
			}
		}
	}
	for i, xi := range x {
		p := 1 / (1 + math.Exp(-2*xi)) // sigmoid(2x)
		got := float64(ups[i]) / draws
		// Binomial standard error √(p(1−p)/n); 5σ (plus zero for p ∈ {0,1}).
		tol := 5 * math.Sqrt(p*(1-p)/draws)
		assert.InDelta(t, p, got, tol+1e-12, "x=%g", xi)
	}
	requirePanicsIsing(t, func() { Spins(make([]int8, 2), x, rng) })
}

func TestStatsAccumulator(t *testing.T) {
	st := NewStats(3, 3)
	assert.Equal(t, 0, st.Count())
	up := []int8{1, 1, 1, 1, 1, 1, 1, 1, 1}
	one := []int8{-1, 1, 1, 1, 1, 1, 1, 1, 1}
	st.Add(up)
	_, se := st.EnergyPerSite()
	assert.True(t, math.IsNaN(se), "standard error needs two samples")
	st.Add(one)
	// E/N: −2 and (−18+8)/9; |m|: 1 and 7/9; m²: 1 and 49/81.
	e, se := st.EnergyPerSite()
	assert.InDelta(t, (-2+(-10.0/9))/2, e, 1e-15)
	// Two samples a, b: standard error |a − b|/2.
	assert.InDelta(t, (2-10.0/9)/2, se, 1e-15)
	m, _ := st.AbsMagnetisation()
	assert.InDelta(t, (1+7.0/9)/2, m, 1e-15)
	m2, se2 := st.Magnetisation2()
	assert.InDelta(t, (1+49.0/81)/2, m2, 1e-15)
	assert.InDelta(t, (1-49.0/81)/2, se2, 1e-15)
	assert.Equal(t, 2, st.Count())
	requirePanicsIsing(t, func() { NewStats(2, 3) })
	requirePanicsIsing(t, func() { st.Add(make([]int8, 4)) })
	requirePanicsIsing(t, func() { st.AddContinuous(make([]float64, 9), make([]int8, 8), rand.New(rand.NewPCG(1, 1))) })
}

// End to end: draw exact samples of the relaxation (s ~ Boltzmann by
// enumeration, x | s ~ 𝒩(Ks, K), see the package documentation), turn them
// back into spins with Spins and check the Stats estimates against exact
// enumeration of the discrete model. This exercises Spins' sigmoid(2x)
// rule: only the correct conditional reproduces the Boltzmann marginal.
func TestSpinsFromExactRelaxationSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, T := range []float64{1.5, Tc, 4.0} {
		l := Lattice{3, 3}
		n := l.N()
		r, err := NewRelaxation(l.L1, l.L2, T)
		require.NoError(t, err)
		k := denseK(l, r.Beta(), r.Alpha())
		var chol mat.Cholesky
		require.True(t, chol.Factorize(k))
		var lo mat.TriDense
		chol.LTo(&lo)

		// Exact discrete distribution and observables by enumeration.
		states := 1 << n
		cum := make([]float64, states)
		s := make([]int8, n)
		var z, eMean, absM, m2 float64
		for code := 0; code < states; code++ {
			for i := range s {
				s[i] = int8(1 - 2*((code>>i)&1))
			}
			e := Energy(s, l.L1, l.L2)
			w := math.Exp(-r.Beta() * (e + 2*float64(n))) // shifted by the ground state
			z += w
			cum[code] = z
			m := Magnetisation(s)
			eMean += w * e / float64(n)
			absM += w * math.Abs(m)
			m2 += w * m * m
		}
		eMean /= z
		absM /= z
		m2 /= z
		bf, err := BruteForce(l.L1, l.L2, T)
		require.NoError(t, err)
		require.InDelta(t, bf.EnergyPerSite, eMean, 1e-13)

		st := NewStats(l.L1, l.L2)
		const samples = 30000
		sv := mat.NewVecDense(n, nil)
		zv := mat.NewVecDense(n, nil)
		xv := mat.NewVecDense(n, nil)
		tmp := mat.NewVecDense(n, nil)
		buf := make([]int8, n)
		for k0 := 0; k0 < samples; k0++ {
			u := rng.Float64() * z
			code := 0
			for cum[code] < u {
				code++
			}
			for i := 0; i < n; i++ {
				sv.SetVec(i, float64(1-2*((code>>i)&1)))
				zv.SetVec(i, rng.NormFloat64())
			}
			xv.MulVec(k, sv)
			tmp.MulVec(&lo, zv)
			xv.AddVec(xv, tmp)
			st.AddContinuous(xv.RawVector().Data, buf, rng)
		}
		e, se := st.EnergyPerSite()
		am, seAM := st.AbsMagnetisation()
		mm, seM2 := st.Magnetisation2()
		t.Logf("T=%.4f: E/N %.4f±%.4f (exact %.4f), <|m|> %.4f±%.4f (exact %.4f), <m²> %.4f±%.4f (exact %.4f)",
			T, e, se, eMean, am, seAM, absM, mm, seM2, m2)
		// Independent samples: 5 standard errors.
		assert.InDelta(t, eMean, e, 5*se, "T=%g energy", T)
		assert.InDelta(t, absM, am, 5*seAM, "T=%g |m|", T)
		assert.InDelta(t, m2, mm, 5*seM2, "T=%g m²", T)
		assert.Equal(t, samples, st.Count())
	}
}
