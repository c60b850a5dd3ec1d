package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestForceMatching: mafc train -force-matching δ says what it minimises,
// writes the force term as a metrics column, resumes only with the same δ,
// takes δ from the spec too (-set), and refuses what it cannot compute
// with the flag's or the setting's name.
func TestForceMatching(t *testing.T) {
	dir := t.TempDir()
	stdout, _ := train(t, 0, ising8Args(dir, "2", "-force-matching", "0.5")...)
	require.Contains(t, stdout, "force matching: each step minimises ℓ + 0.5·‖∇ₓ ln p − ∇ₓ ln π̃‖²/N")
	header, rows := metricsRows(t, filepath.Join(dir, "metrics.csv"))
	require.Equal(t, "force", header[len(header)-1])
	require.Len(t, rows, 2)
	for _, r := range rows {
		f, err := strconv.ParseFloat(r[len(r)-1], 64)
		require.NoError(t, err)
		require.Greater(t, f, 0.0)
	}
	_, stderr := train(t, 1, ising8Args(dir, "3")...)
	require.Contains(t, stderr, "-force-matching: checkpoint 0.5, now not set")
	stdout, _ = train(t, 0, ising8Args(dir, "3", "-force-matching", "0.5")...)
	require.Contains(t, stdout, "resuming ising8")
	_, rows = metricsRows(t, filepath.Join(dir, "metrics.csv"))
	require.Len(t, rows, 3)
	// The resumed run is the uninterrupted one: loss, its error, the
	// gradient's norm and the force term, bit for bit.
	whole := t.TempDir()
	train(t, 0, ising8Args(whole, "3", "-force-matching", "0.5")...)
	_, want := metricsRows(t, filepath.Join(whole, "metrics.csv"))
	for i := range want {
		for _, c := range []int{2, 3, 5, len(want[i]) - 1} {
			require.Equal(t, want[i][c], rows[i][c], "step %d, column %d", i+1, c)
		}
	}

	// Plain runs keep their columns.
	plain := t.TempDir()
	train(t, 0, ising8Args(plain, "1")...)
	header, _ = metricsRows(t, filepath.Join(plain, "metrics.csv"))
	require.NotContains(t, header, "force")

	stdout, _ = train(t, 0, ising8Args(t.TempDir(), "1", "-set", "train.force_matching=0.25")...)
	require.Contains(t, stdout, "force matching: each step minimises ℓ + 0.25·")

	_, stderr = train(t, 2, ising8Args(t.TempDir(), "1", "-force-matching", "0.5", "-laplacian", "hutchinson")...)
	require.Contains(t, stderr, "-force-matching needs -laplacian exact")
	_, stderr = train(t, 2, ising8Args(t.TempDir(), "1", "-force-matching", "-1")...)
	require.Contains(t, stderr, "-force-matching must be in [0, 1e+06], got -1")
	_, stderr = train(t, 1, ising8Args(t.TempDir(), "1", "-set", "train.force_matching=0.5", "-set", "train.laplacian=hutchinson")...)
	require.Contains(t, stderr, "force_matching needs laplacian = exact")
}
