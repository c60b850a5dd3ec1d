package ckpt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stepState(step int64) *State {
	return &State{Model: "m", Hash: "h", Step: step, Params: []float64{float64(step)}}
}

func TestLatestEmpty(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		path, ok, err := Latest(dir)
		require.NoError(t, err, "Latest(%s)", dir)
		assert.False(t, ok, "Latest(%s) ok = true (path %q), want false", dir, path)
		_, ok, err = LoadLatest(dir)
		require.NoError(t, err, "LoadLatest(%s)", dir)
		assert.False(t, ok, "LoadLatest(%s) ok", dir)
	}
}

func TestSaveLatestRotates(t *testing.T) {
	dir := t.TempDir()
	cur, prev := filepath.Join(dir, FileName), filepath.Join(dir, PrevFileName)
	for step := int64(1); step <= 3; step++ {
		p, err := SaveLatest(dir, stepState(step))
		require.NoError(t, err, "SaveLatest step %d", step)
		assert.Equal(t, cur, p, "SaveLatest path")

		got, err := Load(cur)
		require.NoError(t, err, "Load(%s) after step %d", cur, step)
		assert.Equal(t, step, got.Step, "Load(%s).Step", cur)
		if step > 1 {
			got, err := Load(prev)
			require.NoError(t, err, "Load(%s) after step %d", prev, step)
			assert.Equal(t, step-1, got.Step, "Load(%s).Step", prev)
		} else {
			assert.NoFileExists(t, prev, "no previous checkpoint after the first save")
		}
		entries, _ := os.ReadDir(dir)
		assert.LessOrEqual(t, len(entries), 2, "SaveLatest leaves only the pair: %v", entries)
	}
	path, ok, err := Latest(dir)
	require.NoError(t, err)
	assert.True(t, ok, "Latest ok")
	assert.Equal(t, cur, path, "Latest path")

	found, ok, err := LoadLatest(dir)
	require.NoError(t, err, "LoadLatest")
	require.True(t, ok, "LoadLatest ok")
	assert.Equal(t, cur, found.Path, "LoadLatest path")
	assert.NoError(t, found.Skipped, "LoadLatest skipped nothing")
	assert.Equal(t, int64(3), found.State.Step, "LoadLatest step")
}

func TestLoadLatestFallsBack(t *testing.T) {
	dir := t.TempDir()
	cur, prev := filepath.Join(dir, FileName), filepath.Join(dir, PrevFileName)
	_, err := SaveLatest(dir, stepState(1))
	require.NoError(t, err)
	_, err = SaveLatest(dir, stepState(2))
	require.NoError(t, err)

	// Corrupt the newest: LoadLatest uses .prev and says why.
	b, err := os.ReadFile(cur)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x10
	require.NoError(t, os.WriteFile(cur, b, 0o644))
	found, ok, err := LoadLatest(dir)
	require.NoError(t, err, "LoadLatest with a corrupt newest")
	require.True(t, ok, "LoadLatest ok")
	assert.Equal(t, prev, found.Path, "LoadLatest path")
	assert.Equal(t, int64(1), found.State.Step, "LoadLatest step")
	require.ErrorIs(t, found.Skipped, ErrCorrupt, "LoadLatest Skipped")
	assert.Contains(t, found.Skipped.Error(), cur, "Skipped names the file")

	// Both corrupt: the error reports both.
	require.NoError(t, os.WriteFile(prev, []byte("junk"), 0o644))
	_, ok, err = LoadLatest(dir)
	require.Error(t, err, "LoadLatest with both corrupt")
	assert.False(t, ok, "LoadLatest ok")
	assert.ErrorIs(t, err, ErrCorrupt, "LoadLatest error")
	assert.ErrorIs(t, err, ErrNotCheckpoint, "LoadLatest error")
	assert.Contains(t, err.Error(), cur, "error names the newest")
	assert.Contains(t, err.Error(), prev, "error names the fallback")

	// Only .prev present (crash mid-rotation): used without complaint.
	require.NoError(t, os.Remove(cur))
	require.NoError(t, Save(prev, stepState(5)))
	path, ok, err := Latest(dir)
	require.NoError(t, err)
	assert.True(t, ok, "Latest ok with only .prev")
	assert.Equal(t, prev, path, "Latest with only .prev")
	found, ok, err = LoadLatest(dir)
	require.NoError(t, err)
	require.True(t, ok, "LoadLatest ok with only .prev")
	assert.Equal(t, prev, found.Path, "LoadLatest path")
	assert.NoError(t, found.Skipped, "LoadLatest with a missing newest is not a fallback")
	assert.Equal(t, int64(5), found.State.Step, "LoadLatest step")

	// A later SaveLatest restores the pair.
	_, err = SaveLatest(dir, stepState(6))
	require.NoError(t, err)
	found, _, err = LoadLatest(dir)
	require.NoError(t, err)
	assert.Equal(t, int64(6), found.State.Step, "LoadLatest step after resave")
	got, err := Load(prev)
	require.NoError(t, err)
	assert.Equal(t, int64(5), got.Step, "the old .prev is kept when there is no newest")
}

func TestSaveLatestFailureKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	cur := filepath.Join(dir, FileName)
	_, err := SaveLatest(dir, stepState(1))
	require.NoError(t, err)
	before, _ := os.ReadFile(cur)

	// checkpoint.prev.ckpt is a non-empty directory: rotation fails.
	prev := filepath.Join(dir, PrevFileName)
	require.NoError(t, os.MkdirAll(filepath.Join(prev, "sub"), 0o755))
	_, err = SaveLatest(dir, stepState(2))
	require.Error(t, err, "SaveLatest with a directory in the way")
	assert.Contains(t, err.Error(), "keeping previous checkpoint as "+prev, "SaveLatest error")
	after, err := os.ReadFile(cur)
	require.NoError(t, err, "checkpoint.ckpt survives")
	assert.Equal(t, before, after, "checkpoint.ckpt is unchanged")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 2, "no temp files left: %v", entries)
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	assert.ErrorContains(t, err, dir+": no checkpoint in this directory")
	_, err = Open(filepath.Join(dir, "missing.ckpt"))
	assert.ErrorContains(t, err, "missing.ckpt: no such file")
	st := &State{Model: "m", Hash: "h", Step: 7, Params: []float64{1, 2}}
	path, err := SaveLatest(dir, st)
	require.NoError(t, err)
	for _, p := range []string{dir, path} {
		got, err := Open(p)
		require.NoError(t, err, "Open(%s)", p)
		assert.Equal(t, int64(7), got.Step, "Open(%s).Step", p)
		assert.Equal(t, []float64{1, 2}, got.Params, "Open(%s).Params", p)
	}
}
