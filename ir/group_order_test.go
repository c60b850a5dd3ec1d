package ir

import "testing"

// TestGroupOrder: Order counts the elements Elements builds.
func TestGroupOrder(t *testing.T) {
	for _, s := range []Shape{{L1: 4, L2: 4, C: 1}, {L1: 3, L2: 5, C: 2}} {
		for _, g := range []Group{Z2, Translations, C4, D4} {
			if (g == C4 || g == D4) && s.L1 != s.L2 {
				continue
			}
			if got, want := g.Order(s), len(Elements(g, s)); got != want {
				t.Errorf("%s on %v: Order = %d, len(Elements) = %d", g, s, got, want)
			}
		}
	}
}
