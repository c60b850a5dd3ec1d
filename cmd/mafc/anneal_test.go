package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAnnealResume: a run shorter than its anneal says so and continues the
// schedule when resumed; resuming with another schedule is refused unless
// -override; a bad schedule is a positioned error naming the flag.
func TestAnnealResume(t *testing.T) {
	dir := t.TempDir()
	an := []string{"-set", "train.anneal=linear(from = 4, steps = 3)"}
	stdout, _ := train(t, 0, ising8Args(dir, "2", an...)...)
	require.Contains(t, stdout, "annealing: T from 4 to 2.269185 over 3 steps (β linear), T from step 4 on")
	require.Contains(t, stdout, "note: the run ends inside the anneal, at T = 3.")

	_, stderr := train(t, 1, ising8Args(dir, "4", "-set", "train.anneal=linear(from = 5, steps = 3)")...)
	require.Contains(t, stderr, "would change the run")
	require.Contains(t, stderr, "anneal (spec): checkpoint linear from=4 steps=3 hold=0, now linear from=5 steps=3 hold=0")
	// Without -set, the spec's own anneal applies, which differs too.
	_, stderr = train(t, 1, ising8Args(dir, "4")...)
	require.Contains(t, stderr, "anneal (spec): checkpoint linear from=4 steps=3 hold=0, now linear from=4 steps=300 hold=300")

	stdout, _ = train(t, 0, ising8Args(dir, "4", an...)...)
	require.Contains(t, stdout, "resuming ising8")
	require.NotContains(t, stdout, "ends inside the anneal")

	_, stderr = train(t, 0, ising8Args(dir, "5", "-set", "train.anneal=none", "-override")...)
	require.Contains(t, stderr, "-override: continuing")
	require.Contains(t, stderr, "now none")

	_, stderr = train(t, 1, ising8Args(t.TempDir(), "2", "-set", "train.anneal=linear(from = -1, steps = 3)")...)
	require.Contains(t, stderr, "-set train.anneal=linear(from = -1, steps = 3)")
	require.Contains(t, stderr, "temperature must be in [1e-06, 1e+06], got -1")
}
