package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exact8 is the exact energy per site of the 8×8 model at T_c (Kaufman).
const exact8 = -1.49159

// healthy returns the estimates of a flow that covers the target: many
// effective samples, plain and reweighted energies within their errors of
// each other and of the exact value, ln Z_cont matching.
func healthy() *Unbiased {
	return &Unbiased{
		ESS: 180, ESSFrac: 180.0 / 1024,
		LogZCont: 2.3221, LogZContSE: 0.0008, LogZContExact: 2.322735,
		EnergyRW: -1.4980, EnergyRWSE: 0.0110,
		EnergyPlain: -1.5120, EnergyPlainSE: 0.0045,
	}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name             string
		edit             func(u *Unbiased)
		collapse, biased bool
		warns            []string // substrings, one per expected warning
		verdict          string
	}{
		{"healthy", func(*Unbiased) {}, false, false, nil, "verdict: no collapse: the flow covers the target (ESS 180 of 1024)"},
		{"ess near 1", func(u *Unbiased) { u.ESS, u.ESSFrac = 1.4, 1.4/1024 }, true, false,
			[]string{"effective sample size 1.4 is near 1"}, "verdict: COLLAPSE"},
		// The default's run before the anneal: ordered states only.
		{"collapsed onto the ordered states", func(u *Unbiased) {
			u.ESS, u.LogZCont, u.LogZContSE = 96.1, 2.303682, 0.001518
			u.EnergyRW, u.EnergyRWSE, u.EnergyPlain, u.EnergyPlainSE = -1.74349, 0.01520, -1.82391, 0.00432
		}, true, true, []string{"differ by 5 standard errors", "misses the exact -1.49159 by 17 standard errors", "0.0191 below the exact value (13 standard errors)"},
			"verdict: COLLAPSE"},
		// Collapsed, yet the flow's own energy agrees with the reweighted
		// one: the weights are flat over the part it samples.
		{"collapsed, plain agrees", func(u *Unbiased) {
			u.EnergyRW, u.EnergyRWSE, u.EnergyPlain, u.EnergyPlainSE = -1.80, 0.01, -1.81, 0.005
		}, true, false, []string{"misses the exact -1.49159 by 31 standard errors"}, "verdict: COLLAPSE"},
		// The annealed default: too disordered on its own, but the weights
		// restore the exact energy and ln Z_cont.
		{"biased, covers the target", func(u *Unbiased) {
			u.ESS, u.LogZCont, u.LogZContSE = 115.5, 2.3215, 0.0014
			u.EnergyRW, u.EnergyRWSE, u.EnergyPlain, u.EnergyPlainSE = -1.49207, 0.02368, -1.27746, 0.01013
		}, false, true, []string{"the flow's own energy -1.2775 and the reweighted -1.4921 differ by 8 standard errors"},
			"verdict: no collapse: the weights restore the exact energy (-0.0 standard errors)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := healthy()
			c.edit(u)
			u.judge(exact8)
			require.Equal(t, c.collapse, u.Collapse, "Collapse; warnings %q", u.Warnings)
			require.Equal(t, c.biased, u.Biased, "Biased; warnings %q", u.Warnings)
			require.Len(t, u.Warnings, len(c.warns), "%q", u.Warnings)
			for i, w := range c.warns {
				require.Contains(t, u.Warnings[i], w)
			}
			var out bytes.Buffer
			u.print(&out, &IsingReport{Samples: 1024, EnergyExact: exact8, GapRel: 0.012})
			require.Contains(t, out.String(), c.verdict)
			require.Equal(t, len(c.warns), strings.Count(out.String(), "WARNING: "))
		})
	}
}
