package ising

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
)

// catalan is Catalan's constant G.
const catalan = 0.9159655941772190150546035149323841107741

func TestTc(t *testing.T) {
	// Tc is defined by sinh(2/Tc) = 1; the constant must be within a couple
	// of ulps of that root.
	assert.InDelta(t, 1.0, math.Sinh(2/Tc), 4e-16)
	assert.InDelta(t, 2/math.Log(1+math.Sqrt2), Tc, 4e-16*Tc)
}

func TestKaufmanVsBruteForce(t *testing.T) {
	temps := []float64{1.0, 2.0, Tc, 2.5, 5.0, 0.3, 50}
	sizes := [][2]int{{3, 3}, {3, 4}, {4, 3}, {4, 4}, {3, 5}, {5, 3}, {4, 5}, {5, 4}, {3, 6}}
	for _, sz := range sizes {
		for _, T := range temps {
			t.Run(fmt.Sprintf("%dx%d/T=%g", sz[0], sz[1], T), func(t *testing.T) {
				bf, err := BruteForce(sz[0], sz[1], T)
				require.NoError(t, err)
				// Tolerance 1e-10 relative (from the brief); both sides are
				// sums of positive terms evaluated in log space, and observed
				// differences are a few 1e-16.
				assert.InDelta(t, 0, relErr(LogZ(sz[0], sz[1], T), bf.LogZ), 1e-10, "ln Z")
				assert.InDelta(t, bf.LogZ, LogZBruteForce(sz[0], sz[1], T), 1e-14*bf.LogZ)
				// ⟨E⟩/N is O(1); the analytic derivative of Kaufman's
				// formula agrees with enumeration to rounding (~1e-15), so
				// 1e-12 absolute leaves ample margin.
				assert.InDelta(t, bf.EnergyPerSite, EnergyPerSite(sz[0], sz[1], T), 1e-12, "E/N")
			})
		}
	}
}

func TestBruteForceHistogram(t *testing.T) {
	bf, err := BruteForce(4, 4, 1)
	require.NoError(t, err)
	var total uint64
	for _, c := range bf.Counts {
		total += c
	}
	assert.Equal(t, uint64(1<<16), total)
	// Two ground states (all up / all down) with bond sum 2N = 32.
	assert.Equal(t, uint64(2), bf.Counts[len(bf.Counts)-1])
	// High-temperature limit: ln Z → N ln 2.
	assert.InDelta(t, 16*math.Ln2, LogZBruteForce(4, 4, 1e12), 1e-9)

	_, err = BruteForce(5, 5, 1)
	assert.Error(t, err, "N = 25 exceeds the enumeration limit")
	_, err = BruteForce(2, 5, 1)
	assert.Error(t, err)
	_, err = BruteForce(4, 4, math.NaN())
	assert.Error(t, err)
	requirePanicsIsing(t, func() { LogZBruteForce(5, 5, 1) })
}

// The fourth Kaufman product changes sign at Tc. ln Z and E/N must be smooth
// there: compare values just above and below Tc with a first-order Taylor
// expansion about Tc, for small and large lattices.
func TestKaufmanSmoothAcrossTc(t *testing.T) {
	for _, L := range []int{4, 5, 16, 256} {
		n := float64(L * L)
		lz0 := LogZ(L, L, Tc)
		e0 := EnergyPerSite(L, L, Tc)
		require.False(t, math.IsNaN(lz0) || math.IsInf(lz0, 0))
		for _, d := range []float64{-1e-7, -1e-12, 1e-12, 1e-7} {
			T := Tc * (1 + d)
			dBeta := 1/T - 1/Tc
			// ∂ln Z/∂β = −N·E/N; the second-order remainder is
			// ½ N c dβ² ≲ N·(ln L)·1e-14 for |dβ| ≤ 1e-7, and rounding of ln Z
			// is ~1e-16·ln Z, so 1e-12·N is safe.
			assert.InDelta(t, lz0-n*e0*dBeta, LogZ(L, L, T), 1e-12*n, "L=%d d=%g", L, d)
			// E/N changes by c·T⁻²·dT with specific heat c ~ ln L: ≲ 1e-6.
			assert.InDelta(t, e0, EnergyPerSite(L, L, T), 2e-6, "L=%d d=%g", L, d)
		}
	}
}

// EnergyPerSite is checked against a 4-point central difference of LogZ in
// β on lattices too large to enumerate.
func TestEnergyVsNumericalDerivative(t *testing.T) {
	for _, tc := range []struct {
		L1, L2 int
		T      float64
	}{{16, 16, Tc}, {64, 64, Tc}, {16, 24, 2.0}, {7, 9, 3.0}, {32, 32, 1.5}} {
		h := 1e-4
		b := 1 / tc.T
		f := func(beta float64) float64 { return LogZ(tc.L1, tc.L2, 1/beta) }
		d := (8*(f(b+h)-f(b-h)) - (f(b+2*h) - f(b-2*h))) / (12 * h)
		num := -d / float64(tc.L1*tc.L2)
		// Truncation ~h⁴·|∂⁵ln Z/∂β⁵|/N/30 and rounding ~eps·|ln Z|/(N h)
		// are both ≲ 1e-11 here; 1e-9 leaves margin.
		assert.InDelta(t, num, EnergyPerSite(tc.L1, tc.L2, tc.T), 1e-9, "%+v", tc)
	}
}

func TestKaufmanExtremeTemperatures(t *testing.T) {
	for _, L := range []int{3, 4, 16, 256} {
		n := float64(L * L)
		// Low T: ln Z = 2Nβ + ln 2 + O(N e^{−8β}); E/N = −2 + O(8e^{−8β}),
		// and e^{−8β} ≤ e^{−160}, so only rounding (~1e-16 relative) is left.
		for _, T := range []float64{0.01, 0.05} {
			assert.InDelta(t, 0, relErr(LogZ(L, L, T), 2*n/T+math.Ln2), 1e-14, "L=%d T=%g", L, T)
			assert.InDelta(t, -2, EnergyPerSite(L, L, T), 1e-13, "L=%d T=%g", L, T)
		}
		for _, T := range []float64{1e3, 1e5} {
			b := 1 / T
			if L <= 4 {
				// Short winding loops (length L) matter here: enumerate.
				bf, err := BruteForce(L, L, T)
				require.NoError(t, err)
				// Rounding in the high-T regime grows like eps/β for E/N.
				assert.InDelta(t, 0, relErr(LogZ(L, L, T), bf.LogZ), 1e-13, "L=%d T=%g", L, T)
				assert.InDelta(t, 0, relErr(EnergyPerSite(L, L, T), bf.EnergyPerSite), 1e-15*T, "L=%d T=%g", L, T)
				continue
			}
			// High-temperature series for L ≥ 5: ln Z/N = ln 2 + 2 ln cosh β
			// + tanh⁴β + 2tanh⁶β + …, so E/N = −2 tanh β − 4 tanh³β(1 − tanh²β)
			// − 12 tanh⁵β + …: the relative remainder is ≈ 6β⁴ (10β⁴ below).
			th := math.Tanh(b)
			assert.InDelta(t, 0, relErr(LogZ(L, L, T), n*(math.Ln2+2*LogCosh(b)+th*th*th*th)), 1e-14, "L=%d T=%g", L, T)
			assert.InDelta(t, 0, relErr(EnergyPerSite(L, L, T), -2*th-4*th*th*th*(1-th*th)), 1e-15*T+10*b*b*b*b, "L=%d T=%g", L, T)
		}
	}
}

// Far outside the physical range the results must stay finite and match
// the ground-state / infinite-temperature limits.
func TestKaufmanLimits(t *testing.T) {
	for _, L := range []int{3, 16, 256} {
		n := float64(L * L)
		for _, T := range []float64{1e-300, 1e-100} {
			assert.InDelta(t, 0, relErr(LogZ(L, L, T), 2*n/T), 1e-14, "L=%d T=%g", L, T)
			assert.Equal(t, -2.0, EnergyPerSite(L, L, T), "L=%d T=%g", L, T)
		}
		for _, T := range []float64{1e100, 1e200, math.MaxFloat64} {
			assert.InDelta(t, n*math.Ln2, LogZ(L, L, T), 1e-14*n, "L=%d T=%g", L, T)
			// Absolute accuracy of E/N is ~1e-16 (see EnergyPerSite).
			assert.InDelta(t, 0, EnergyPerSite(L, L, T), 1e-15, "L=%d T=%g", L, T)
		}
	}
	assert.InDelta(t, 0, relErr(OnsagerLogZPerSite(1e-300), 2e300), 1e-14)
	assert.InDelta(t, math.Ln2, OnsagerLogZPerSite(math.MaxFloat64), 1e-15)
	assert.InDelta(t, 0, OnsagerEnergyPerSite(math.MaxFloat64), 1e-15)
	// Quadrature weights sum to π/2 up to ~1e-15 relative.
	assert.InDelta(t, -2.0, OnsagerEnergyPerSite(1e-300), 1e-14)
}

func TestLogZPanics(t *testing.T) {
	requirePanicsIsing(t, func() { LogZ(2, 4, 1) })
	requirePanicsIsing(t, func() { LogZ(4, 4, 0) })
	requirePanicsIsing(t, func() { LogZ(4, 4, -1) })
	requirePanicsIsing(t, func() { LogZ(4, 4, math.Inf(1)) })
	requirePanicsIsing(t, func() { EnergyPerSite(4, 4, math.NaN()) })
	requirePanicsIsing(t, func() { OnsagerLogZPerSite(0) })
	requirePanicsIsing(t, func() { OnsagerEnergyPerSite(math.NaN()) })
}

// onsagerKappa is an independent evaluation of Onsager's free energy,
// ln Z/N = ln(2cosh 2K) + (1/π)∫_0^{π/2} ln[½(1 + √(1 − κ² sin²φ))] dφ,
// κ = 2 sinh 2K / cosh² 2K, with a plain 200-point Gauss–Legendre rule
// (accurate away from Tc, where κ < 1 stays away from 1).
func onsagerKappa(T float64) float64 {
	K := 1 / T
	kappa := 2 * math.Sinh(2*K) / math.Pow(math.Cosh(2*K), 2)
	f := func(phi float64) float64 {
		s := kappa * math.Sin(phi)
		return math.Log(0.5 * (1 + math.Sqrt(1-s*s)))
	}
	return math.Log(2*math.Cosh(2*K)) + quad.Fixed(f, 0, math.Pi/2, 200, quad.Legendre{}, 0)/math.Pi
}

func TestOnsager(t *testing.T) {
	// At Tc: ln Z/N = ln √2 + 2G/π = 0.92969539834161... (exact); quadrature
	// error is at the 1e-15 level, so 1e-14 relative.
	exact := 0.5*math.Ln2 + 2*catalan/math.Pi
	assert.InDelta(t, 0, relErr(OnsagerLogZPerSite(Tc), exact), 1e-14)
	// At Tc the energy per site is exactly −√2 (Onsager); the kink of the
	// integrand at θ = 0 limits the graded quadrature to ~1e-14.
	assert.InDelta(t, -math.Sqrt2, OnsagerEnergyPerSite(Tc), 1e-13)
	for _, T := range []float64{1.0, 1.5, 2.0, 3.5, 10} {
		// Two different integral representations; both rules converge
		// geometrically here, so 1e-13 relative.
		assert.InDelta(t, 0, relErr(OnsagerLogZPerSite(T), onsagerKappa(T)), 1e-13, "T=%g", T)
		// Energy: compare with a 4-point central difference of the κ form.
		h := 1e-3
		b := 1 / T
		f := func(beta float64) float64 { return onsagerKappa(1 / beta) }
		d := (8*(f(b+h)-f(b-h)) - (f(b+2*h) - f(b-2*h))) / (12 * h)
		// Truncation ~h⁴ ≈ 1e-12 times O(1) derivatives, rounding ~1e-13.
		assert.InDelta(t, -d, OnsagerEnergyPerSite(T), 1e-9, "T=%g", T)
	}
}

// ffCorrection returns the Ferdinand–Fisher limit of ln Z − N f∞ at Tc for a
// square torus, ln[(θ2 + θ3 + θ4)/(2η)] at τ = i (nome q = e^{−π}).
func ffCorrection() float64 {
	q := math.Exp(-math.Pi)
	var th2, th3, th4 float64
	th3, th4 = 1, 1
	for n := 0; n < 10; n++ {
		fn := float64(n)
		th2 += 2 * math.Pow(q, (fn+0.5)*(fn+0.5))
		if n > 0 {
			th3 += 2 * math.Pow(q, fn*fn)
			th4 += 2 * math.Pow(-1, fn) * math.Pow(q, fn*fn)
		}
	}
	eta := math.Exp(-math.Pi / 12)
	for n := 1; n < 20; n++ {
		eta *= 1 - math.Exp(-2*math.Pi*float64(n))
	}
	return math.Log((th2 + th3 + th4) / (2 * eta))
}

func TestFiniteSizeApproachesOnsager(t *testing.T) {
	fInf := OnsagerLogZPerSite(Tc)
	ff := ffCorrection()
	t.Logf("Ferdinand–Fisher limit ln[(θ2+θ3+θ4)/2η] = %.10f", ff)
	prev := math.Inf(1)
	for _, L := range []int{16, 32, 64, 128, 256} {
		n := float64(L * L)
		err := LogZ(L, L, Tc)/n - fInf
		t.Logf("L=%3d  ln Z/N − f∞ = %.6e   N·(ln Z/N − f∞) = %.10f", L, err, err*n)
		assert.Greater(t, err, 0.0)
		assert.Less(t, err, prev, "error must shrink with L")
		prev = err
		// ln Z − N f∞ → ln[(θ2+θ3+θ4)/2η] = 0.63991... (Ferdinand & Fisher
		// 1969); the remaining correction is ≈ 0.08/N (observed), so 0.2/N.
		assert.InDelta(t, ff, err*n, 0.2/n+1e-9, "L=%d", L)
	}
	// Away from Tc the finite-size corrections decay like e^{−L/ξ}, except
	// for the two-fold degeneracy of the ordered phase below Tc, which adds
	// ln 2 to ln Z. Tolerances: rounding of ln Z (~1e-16·N f) and of the
	// quadrature (~1e-15).
	for _, tc := range []struct{ T, offset float64 }{{1.5, math.Ln2}, {4.0, 0}} {
		n := 128.0 * 128
		assert.InDelta(t, OnsagerLogZPerSite(tc.T)+tc.offset/n, LogZ(128, 128, tc.T)/n, 1e-14, "T=%g", tc.T)
		assert.InDelta(t, OnsagerEnergyPerSite(tc.T), EnergyPerSite(128, 128, tc.T), 1e-13, "T=%g", tc.T)
	}
}
