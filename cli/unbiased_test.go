package cli

import (
	"bytes"
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
		name  string
		edit  func(u *Unbiased)
		warns []string // substrings, one per expected warning
	}{
		{"healthy", func(*Unbiased) {}, nil},
		{"ess near 1", func(u *Unbiased) { u.ESS, u.ESSFrac = 1.4, 1.4/1024 }, []string{"effective sample size 1.4 is near 1"}},
		// The default's collapsed run before the anneal: ordered states only.
		{"collapsed onto the ordered states", func(u *Unbiased) {
			u.ESS, u.LogZCont, u.LogZContSE = 96.1, 2.303682, 0.001518
			u.EnergyRW, u.EnergyRWSE, u.EnergyPlain, u.EnergyPlainSE = -1.74349, 0.01520, -1.82391, 0.00432
		}, []string{"differ by 5 standard errors", "misses the exact -1.49159 by 17 standard errors", "0.0191 below the exact value (13 standard errors)"}},
		{"plain far from reweighted", func(u *Unbiased) { u.EnergyPlain = -1.60 }, []string{"the flow's own energy -1.6000 and the reweighted -1.4980 differ by 9 standard errors"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := healthy()
			c.edit(u)
			u.judge(exact8)
			require.Equal(t, len(c.warns) > 0, u.Collapse, "Collapse; warnings %q", u.Warnings)
			require.Len(t, u.Warnings, len(c.warns), "%q", u.Warnings)
			for i, w := range c.warns {
				require.Contains(t, u.Warnings[i], w)
			}
			var out bytes.Buffer
			u.print(&out, &IsingReport{Samples: 1024, EnergyExact: exact8, GapRel: 0.012})
			if u.Collapse {
				require.Contains(t, out.String(), "WARNING: ")
				require.NotContains(t, out.String(), "verdict: ")
			} else {
				require.Contains(t, out.String(), "verdict: no collapse")
				require.NotContains(t, out.String(), "WARNING")
			}
		})
	}
}
