package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt")
	require.NoError(t, WriteFile(path, []byte("old"), 0o600), "WriteFile of a new file")
	require.NoError(t, WriteFile(path, []byte("new"), 0o640), "WriteFile over an existing file")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(b), "content")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "permissions are perm exactly")
	assert.Equal(t, []string{"x.txt"}, names(t, dir), "no temp file left")

	require.NoError(t, WriteFile(path, nil, 0o644), "WriteFile of nothing")
	b, _ = os.ReadFile(path)
	assert.Empty(t, b, "empty file")
}

func TestWriteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, WriteFile("rel.txt", []byte("x"), 0o644), "WriteFile with a bare file name")
	b, err := os.ReadFile("rel.txt")
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
}

func TestWriteErrorLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	full := errors.New("disk full")
	err := Write(path, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return full
	})
	require.ErrorIs(t, err, full, "Write with a failing write")
	assert.True(t, strings.HasPrefix(err.Error(), path+": writing "+filepath.Join(dir, ".x.txt.tmp-")), "error %q names the target, then the temp file", err)
	assert.True(t, strings.HasSuffix(err.Error(), ": disk full"), "error %q ends with the cause", err)
	b, _ := os.ReadFile(path)
	assert.Equal(t, "old", string(b), "the target is untouched")
	assert.Equal(t, []string{"x.txt"}, names(t, dir), "no temp file left")
}

func TestWritePanicLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt")
	func() {
		defer func() { assert.Equal(t, "boom", recover(), "the panic propagates") }()
		Write(path, 0o644, func(w io.Writer) error { panic("boom") })
	}()
	assert.Empty(t, names(t, dir), "no temp file and no target after a panic")
}

func TestWriteMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	path := filepath.Join(dir, "x.txt")
	err := WriteFile(path, []byte("x"), 0o644)
	require.ErrorIs(t, err, fs.ErrNotExist, "WriteFile into a missing directory")
	assert.EqualError(t, err, path+": directory "+dir+" does not exist (create it first or choose another output directory)")
}

func TestHints(t *testing.T) {
	err := MissingDirError("out/x.csv", "out", fs.ErrNotExist)
	assert.EqualError(t, err, "out/x.csv: directory out does not exist (create it first or choose another output directory)")
	assert.ErrorIs(t, err, fs.ErrNotExist, "MissingDirError wraps its error")
	err = Explain("x.csv: permission denied (make it writable)", fs.ErrPermission)
	assert.EqualError(t, err, "x.csv: permission denied (make it writable)")
	assert.ErrorIs(t, err, fs.ErrPermission, "Explain wraps its error")
}

// writableDespiteMode reports whether dir, whose mode forbids writing, is
// writable anyway (as for root).
func writableDespiteMode(dir string) bool {
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

func TestWriteUnwritableDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if writableDespiteMode(dir) {
		t.Skip("directory with mode 0500 is still writable (running as root?)")
	}
	path := filepath.Join(dir, "x.txt")
	err := WriteFile(path, []byte("x"), 0o644)
	require.ErrorIs(t, err, fs.ErrPermission, "WriteFile into an unwritable directory")
	assert.EqualError(t, err, path+": cannot create a file in "+dir+": permission denied (make the directory writable or choose another output directory)")
}

func TestWriteNoFileName(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", dir + "/", ".", dir + "/."} {
		err := WriteFile(path, []byte("x"), 0o644)
		require.Error(t, err, "WriteFile(%q)", path)
		assert.EqualError(t, err, fmt.Sprintf("%q: no file name", path))
	}
	assert.Empty(t, names(t, dir), "nothing written")
}

func TestWriteOverDirectory(t *testing.T) {
	for _, full := range []bool{false, true} {
		dir := t.TempDir()
		target := filepath.Join(dir, "x.txt")
		require.NoError(t, os.Mkdir(target, 0o755))
		if full {
			require.NoError(t, os.WriteFile(filepath.Join(target, "keep"), []byte("old"), 0o644))
		}
		err := WriteFile(target, []byte("new"), 0o644)
		require.Error(t, err, "WriteFile over a directory (non-empty: %v)", full)
		assert.True(t, strings.HasPrefix(err.Error(), target+": cannot replace it with "+filepath.Join(dir, ".x.txt.tmp-")), "error %q", err)
		assert.Contains(t, err.Error(), "it is a directory", "error explains")
		fi, serr := os.Stat(target)
		require.NoError(t, serr, "the target survives")
		assert.True(t, fi.IsDir(), "the target is still a directory")
		if full {
			b, _ := os.ReadFile(filepath.Join(target, "keep"))
			assert.Equal(t, "old", string(b), "the directory's content survives")
		}
		assert.Equal(t, []string{"x.txt"}, names(t, dir), "no temp file left")
	}
}

func TestWriteTempCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	tmp, err := WriteTemp(path, 0o600, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	})
	require.NoError(t, err, "WriteTemp")
	assert.Equal(t, dir, filepath.Dir(tmp), "the temp file is next to the target")
	b, _ := os.ReadFile(tmp)
	assert.Equal(t, "new", string(b), "temp file content")
	b, _ = os.ReadFile(path)
	assert.Equal(t, "old", string(b), "the target is untouched before Commit")

	require.NoError(t, Commit(tmp, path), "Commit")
	b, _ = os.ReadFile(path)
	assert.Equal(t, "new", string(b), "the target after Commit")
	fi, _ := os.Stat(path)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "permissions after Commit")
	assert.Equal(t, []string{"x.txt"}, names(t, dir), "only the target is left")

	// A failed Commit removes the temp file.
	target := filepath.Join(dir, "d")
	require.NoError(t, os.MkdirAll(filepath.Join(target, "sub"), 0o755))
	tmp, err = WriteTemp(target, 0o644, func(io.Writer) error { return nil })
	require.NoError(t, err)
	err = Commit(tmp, target)
	require.Error(t, err, "Commit over a non-empty directory")
	assert.Equal(t, []string{"d", "x.txt"}, names(t, dir), "the temp file is removed")
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	assert.NoError(t, SyncDir(filepath.Join(dir, "x.txt")), "SyncDir of an existing directory")
	missing := filepath.Join(dir, "no", "x.txt")
	err := SyncDir(missing)
	require.ErrorIs(t, err, fs.ErrNotExist, "SyncDir of a missing directory")
	assert.True(t, strings.HasPrefix(err.Error(), missing+": syncing directory: "), "error %q", err)
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	const writers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := filepath.Join(dir, fmt.Sprintf("f%d.txt", i))
			shared := filepath.Join(dir, "shared.txt")
			for r := range rounds {
				data := []byte(strings.Repeat(fmt.Sprintf("writer %d round %d\n", i, r), 1000))
				errs <- WriteFile(path, data, 0o644)
				errs <- WriteFile(shared, data, 0o644)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "concurrent WriteFile")
	}
	for i := range writers {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("f%d.txt", i)))
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat(fmt.Sprintf("writer %d round %d\n", i, rounds-1), 1000), string(b), "file %d holds its last write", i)
	}
	// The shared file holds one complete write, not a mix.
	b, err := os.ReadFile(filepath.Join(dir, "shared.txt"))
	require.NoError(t, err)
	line, _, _ := strings.Cut(string(b), "\n")
	assert.Equal(t, strings.Repeat(line+"\n", 1000), string(b), "the shared file holds one whole write")
	assert.Len(t, names(t, dir), writers+1, "no temp files left")
}
