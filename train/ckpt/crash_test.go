package ckpt

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/faults"
)

// crash is the panic value of a simulated crash.
type crash struct{ point string }

// setHook installs h as the fault hook for the rest of the test.
func setHook(t *testing.T, h func(point, path string)) {
	t.Helper()
	faults.Hook = h
	t.Cleanup(func() { faults.Hook = nil })
}

// saveCrashing runs SaveLatest(dir, st) and stops it, as a crash would, at
// its k-th step (1-based); crashed is false if the save has fewer steps
// and completed.
func saveCrashing(t *testing.T, dir string, st *State, k int) (point string, crashed bool) {
	t.Helper()
	n := 0
	setHook(t, func(p, _ string) {
		if n++; n == k {
			panic(crash{p})
		}
	})
	defer func() {
		faults.Hook = nil
		if r := recover(); r != nil {
			c, ok := r.(crash)
			if !ok {
				panic(r)
			}
			point, crashed = c.point, true
		}
	}()
	_, err := SaveLatest(dir, st)
	require.NoError(t, err, "SaveLatest")
	return "", false
}

// requireValid checks that LoadLatest finds a complete checkpoint in dir
// with one of the steps want.
func requireValid(t *testing.T, dir, when string, want ...int64) *State {
	t.Helper()
	found, ok, err := LoadLatest(dir)
	require.NoError(t, err, "LoadLatest %s", when)
	require.True(t, ok, "LoadLatest %s: no checkpoint", when)
	require.Contains(t, want, found.State.Step, "LoadLatest %s: step %d from %s, want one of %v", when, found.State.Step, found.Path, want)
	return found.State
}

// corrupt flips a byte in the middle of path.
func corrupt(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x40
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestSaveLatestCrashAtEveryStep stops SaveLatest at every step of its
// sequence (each create, write, sync, close, link, rename and directory
// sync), in each starting situation of a run directory, and checks that a
// complete checkpoint survives every crash, that LoadLatest finds it, and
// that saving again afterwards restores the pair. It also checks the
// invariant at every instant of an uninterrupted save.
func TestSaveLatestCrashAtEveryStep(t *testing.T) {
	setups := []struct {
		name  string
		setup func(t *testing.T, dir string)
		// steps LoadLatest may find before and during the save of step 3
		valid []int64
	}{
		{"pair", func(t *testing.T, dir string) {
			for s := int64(1); s <= 2; s++ {
				_, err := SaveLatest(dir, stepState(s))
				require.NoError(t, err)
			}
		}, []int64{2, 3}},
		{"newest-corrupt", func(t *testing.T, dir string) {
			for s := int64(1); s <= 2; s++ {
				_, err := SaveLatest(dir, stepState(s))
				require.NoError(t, err)
			}
			corrupt(t, filepath.Join(dir, FileName))
		}, []int64{1, 3}},
		{"newest-not-a-checkpoint", func(t *testing.T, dir string) {
			require.NoError(t, Save(filepath.Join(dir, PrevFileName), stepState(1)))
			require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), nil, 0o644))
		}, []int64{1, 3}},
		{"only-prev", func(t *testing.T, dir string) {
			require.NoError(t, Save(filepath.Join(dir, PrevFileName), stepState(1)))
		}, []int64{1, 3}},
		{"only-newest", func(t *testing.T, dir string) {
			require.NoError(t, Save(filepath.Join(dir, FileName), stepState(2)))
		}, []int64{2, 3}},
	}
	for _, sc := range setups {
		t.Run(sc.name, func(t *testing.T) {
			// Every instant of an uninterrupted save.
			dir := t.TempDir()
			sc.setup(t, dir)
			requireValid(t, dir, "before the save", sc.valid...)
			var points []string
			setHook(t, func(p, _ string) {
				points = append(points, p)
				requireValid(t, dir, "after "+p, sc.valid...)
			})
			_, err := SaveLatest(dir, stepState(3))
			faults.Hook = nil
			require.NoError(t, err)
			requireValid(t, dir, "after the save", 3)
			for _, p := range []string{"atomicfile.create", "atomicfile.write", "atomicfile.sync", "atomicfile.close", "atomicfile.rename", "atomicfile.syncdir"} {
				require.Contains(t, points, p, "SaveLatest's steps %v", points)
			}
			t.Logf("steps: %v", points)

			// A crash at every step.
			for k := 1; k <= len(points); k++ {
				dir := t.TempDir()
				sc.setup(t, dir)
				point, crashed := saveCrashing(t, dir, stepState(3), k)
				require.True(t, crashed, "step %d of %d was not reached", k, len(points))
				require.Equal(t, points[k-1], point, "step %d", k)
				when := fmt.Sprintf("after a crash at step %d (%s)", k, point)
				requireValid(t, dir, when, sc.valid...)
				// Resume as mafc train does, removing the crash's
				// temporary files, then save the step again and the next:
				// the pair must hold the two newest, and nothing else
				// must be left.
				removeTemps(t, dir)
				_, err := SaveLatest(dir, stepState(3))
				require.NoError(t, err, "SaveLatest %s", when)
				_, err = SaveLatest(dir, stepState(4))
				require.NoError(t, err, "SaveLatest %s", when)
				requireValid(t, dir, when+" and two saves", 4)
				prev, err := Load(filepath.Join(dir, PrevFileName))
				require.NoError(t, err, "checkpoint.prev.ckpt %s and two saves", when)
				require.EqualValues(t, 3, prev.Step, "checkpoint.prev.ckpt %s and two saves", when)
				requireOnlyPair(t, dir, when+" and two saves")
			}
		})
	}
}

// TestSaveLatestKeepsValidPrev: after LoadLatest fell back because
// checkpoint.ckpt is corrupt, SaveLatest keeps the valid
// checkpoint.prev.ckpt rather than rotating the corrupt file over it.
func TestSaveLatestKeepsValidPrev(t *testing.T) {
	dir := t.TempDir()
	for s := int64(1); s <= 2; s++ {
		_, err := SaveLatest(dir, stepState(s))
		require.NoError(t, err)
	}
	corrupt(t, filepath.Join(dir, FileName))
	_, err := SaveLatest(dir, stepState(3))
	require.NoError(t, err)
	prev, err := Load(filepath.Join(dir, PrevFileName))
	require.NoError(t, err, "checkpoint.prev.ckpt after saving over a corrupt checkpoint.ckpt")
	require.EqualValues(t, 1, prev.Step, "checkpoint.prev.ckpt step")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	require.Equal(t, []string{FileName, PrevFileName}, names, "files left in the directory")
}

// removeTemps removes the temporary files of interrupted writes in dir.
func removeTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
			require.NoError(t, os.Remove(filepath.Join(dir, e.Name())))
		}
	}
}

// requireOnlyPair checks that dir holds the two checkpoints and nothing
// else.
func requireOnlyPair(t *testing.T, dir, when string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{FileName, PrevFileName}, names, "files in the directory %s", when)
}
