package ising

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportL16 prints the reference numbers for the paper's benchmark,
// L = 16 at Tc (run with -v to see them).
func TestReportL16(t *testing.T) {
	r, err := NewRelaxation(16, 16, Tc)
	require.NoError(t, err)
	n := float64(r.N())
	t.Logf("L=16, T=Tc=%.15f, N=%d", Tc, r.N())
	t.Logf("alpha                         = %.15f", r.Alpha())
	t.Logf("ln det K / N                  = %.15f", r.LogDetK()/n)
	t.Logf("C / N                         = %.15f", r.C()/n)
	t.Logf("ln Z_Ising / N                = %.15f", r.LogZ()/n)
	t.Logf("ln Z_cont / N                 = %.15f", r.LogZCont()/n)
	t.Logf("exact optimum -ln Z_cont / N  = %.15f", r.OptimalLossPerSite())
	t.Logf("free energy f = -T ln Z / N   = %.15f", FreeEnergyPerSite(16, 16, Tc))
	t.Logf("energy per site <E>/N         = %.15f", EnergyPerSite(16, 16, Tc))
	t.Logf("Onsager ln Z/N, E/N (L=inf)   = %.15f, %.15f", OnsagerLogZPerSite(Tc), OnsagerEnergyPerSite(Tc))
	for _, loss := range []float64{-2.294, -2.30} {
		b := r.Bound(loss)
		t.Logf("loss %.4f: rel. gap to optimum %.4f%%, f_bound %.6f vs f %.6f (rel. %.4f%%)",
			loss, 100*b.LossRelErr, b.FBound, b.FExact, 100*b.FRelErr)
	}
}

func ExampleRelaxation_Bound() {
	r, err := NewRelaxation(16, 16, Tc)
	if err != nil {
		panic(err)
	}
	n := float64(r.N())
	fmt.Printf("alpha = %.6f\n", r.Alpha())
	fmt.Printf("ln Z/N = %.6f\n", r.LogZ()/n)
	fmt.Printf("C/N = %.6f\n", r.C()/n)
	fmt.Printf("optimal loss per site = %.6f\n", r.OptimalLossPerSite())
	b := r.Bound(-2.25)
	fmt.Printf("f = %.6f, f_bound(-2.25) = %.6f\n", b.FExact, b.FBound)
	fmt.Printf("E/N = %.6f\n", EnergyPerSite(16, 16, Tc))
	// Output:
	// alpha = 1.862747
	// ln Z/N = 0.932196
	// C/N = -1.383725
	// optimal loss per site = -2.315921
	// f = -2.115326, f_bound(-2.25) = -1.965740
	// E/N = -1.453065
}
