package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAcquireRefusesSecondHolder: while one Lock is held, Acquire of the
// same directory fails with a HeldError naming the holder; after Release
// it succeeds again and records the new holder.
func TestAcquireRefusesSecondHolder(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir, Holder([]string{"mafc", "train", "-o", dir}))
	require.NoError(t, err, "Acquire of a free directory")

	_, err = Acquire(dir, "second")
	var he *HeldError
	require.True(t, errors.As(err, &he), "Acquire while held = %v, want a *HeldError", err)
	require.Equal(t, dir, he.Dir)
	require.Contains(t, err.Error(), fmt.Sprintf("pid %d on host ", os.Getpid()), "the error names the holder")
	require.Contains(t, err.Error(), "mafc train -o "+dir, "the error gives the holder's command")
	require.Contains(t, err.Error(), dir+" is in use by ")

	require.NoError(t, first.Release())
	require.NoError(t, first.Release(), "a second Release does nothing")
	second, err := Acquire(dir, "second holder")
	require.NoError(t, err, "Acquire after Release")
	_, err = Acquire(dir, "third")
	require.ErrorContains(t, err, "in use by second holder")
	require.NoError(t, second.Release())
}

// TestAcquireBoundsHolder: a huge or binary lock file written by someone
// else gives a short, valid message.
func TestAcquireBoundsHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "x")
	require.NoError(t, err)
	defer l.Release()
	require.NoError(t, os.WriteFile(filepath.Join(dir, LockName), []byte(strings.Repeat("\xffab", 1<<20)), 0o644))
	_, err = Acquire(dir, "y")
	require.Error(t, err)
	require.Less(t, len(err.Error()), maxHolder+300, "message length")
	require.True(t, strings.Contains(err.Error(), "?ab"), "invalid UTF-8 is replaced: %.80q", err.Error())
}

func TestAcquireMissingDir(t *testing.T) {
	_, err := Acquire(filepath.Join(t.TempDir(), "missing"), "x")
	require.ErrorContains(t, err, "cannot lock")
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".checkpoint.ckpt.tmp-123456":      true,
		".checkpoint.prev.ckpt.tmp-1":      true,
		".metrics.csv.tmp-42":              true,
		".a.tmp-0":                         true,
		"checkpoint.ckpt.tmp-123":          false, // not hidden
		".tmp-123":                         false, // no name
		".checkpoint.ckpt.tmp-":            false,
		".checkpoint.ckpt.tmp-12a":         false,
		".checkpoint.ckpt":                 false,
		"checkpoint.ckpt":                  false,
		".lock":                            false,
		".notes.tmp-2024.txt":              false,
		".x.tmp-1.tmp-2":                   true,
		".checkpoint.ckpt.tmp-99999999999": true,
	} {
		require.Equal(t, want, IsTemp(name), "IsTemp(%q)", name)
	}
}

// TestRemoveTemps removes the temporary files of interrupted writes and
// nothing else.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"checkpoint.ckpt", "metrics.csv", ".lock", "notes.tmp-1", ".x.tmp-1b"}
	temps := []string{".checkpoint.ckpt.tmp-123", ".checkpoint.prev.ckpt.tmp-9", ".metrics.csv.tmp-77"}
	for _, n := range append(slices.Clone(keep), temps...) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".sub.tmp-5"), 0o755)) // not a regular file
	removed, err := RemoveTemps(dir)
	require.NoError(t, err)
	slices.Sort(removed)
	slices.Sort(temps)
	require.Equal(t, temps, removed, "RemoveTemps(%s)", dir)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := append(slices.Clone(keep), ".sub.tmp-5")
	slices.Sort(want)
	require.Equal(t, want, left, "files left")

	_, err = RemoveTemps(filepath.Join(dir, "missing"))
	require.Error(t, err)
}
