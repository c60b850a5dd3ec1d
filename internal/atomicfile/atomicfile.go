// Package atomicfile replaces files atomically.
//
// [Write] (and [WriteFile]) write the new contents to a temporary file in
// the target's directory (".name.tmp-*"), sync and close it, rename it over
// the target and sync the directory. The guarantee:
//
//   - after Write returns nil the file holds the new bytes, and they survive
//     a crash;
//   - after a crash at any point the file holds the old bytes or the new
//     bytes, never a mix (a reader never sees a partial file either);
//   - when Write returns an error the target is untouched and no temporary
//     file is left behind (also when the write function panics).
//
// The target is replaced, not written through: a symbolic link or hard
// link at the path is replaced by a new regular file. Concurrent writes to
// different files are independent; concurrent writes to the same file leave
// one of them in place.
//
// [WriteTemp] and [Commit] split Write in two for callers that need to act
// between writing and committing, such as a checkpoint rotation that keeps
// the previous file under another name.
//
// Errors name the target path and explain the common failures (a missing
// directory, a directory that is not writable, a read-only file system, a
// rename that cannot replace the target); they carry no package prefix, so
// callers add their own. They wrap the underlying error, so errors.Is works
// with [fs.ErrNotExist], [fs.ErrPermission] and the syscall errors.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/mafc-dev/mafc/internal/faults"
)

// Write replaces path with what write produces, atomically (see the package
// documentation), with permissions perm. perm is applied exactly, without
// the umask. write gets the temporary file; it need not buffer for
// correctness, but should for speed if it makes many small writes. An error
// from write is returned wrapped, naming path.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := WriteTemp(path, perm, write)
	if err != nil {
		return err
	}
	return Commit(tmp, path)
}

// WriteFile is Write for a byte slice.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteTemp writes a synced, closed temporary file next to path (for callers
// that need to do something between writing and committing, like a
// checkpoint rotation) and returns its name. Pass the name to [Commit], or
// remove the file. On error nothing is left behind and path is untouched.
func WriteTemp(path string, perm os.FileMode, write func(io.Writer) error) (string, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if path == "" || os.IsPathSeparator(path[len(path)-1]) || base == "." {
		return "", fmt.Errorf("%q: no file name", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", createError(path, dir, err)
	}
	tmp := f.Name()
	faults.At("atomicfile.create", tmp)
	done := false
	defer func() {
		// Also on a panic in write.
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp uses mode 0600.
	if err := f.Chmod(perm); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err := write(f); err != nil {
		return "", fmt.Errorf("%s: writing %s: %w", path, tmp, err)
	}
	faults.At("atomicfile.write", tmp)
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("%s: syncing %s: %w", path, tmp, err)
	}
	faults.At("atomicfile.sync", tmp)
	err = f.Close()
	done = true // closed, even if Close failed
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("%s: closing %s: %w", path, tmp, err)
	}
	faults.At("atomicfile.close", tmp)
	return tmp, nil
}

// Commit renames tmp (from [WriteTemp]) over path and syncs the directory;
// on error it removes tmp. If the rename succeeded but the directory sync
// failed, path holds the new bytes but the error is still reported: they
// may not survive a crash.
func Commit(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return renameError(path, tmp, err)
	}
	faults.At("atomicfile.rename", path)
	return SyncDir(path)
}

// SyncDir fsyncs the directory holding path, so that a rename or creation
// of path survives a crash. File systems that cannot sync directories
// (EINVAL, ENOTSUP) are tolerated, as is Windows, where directories cannot
// be synced.
func SyncDir(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	dir := filepath.Dir(path)
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: syncing directory: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("%s: syncing directory %s: %w", path, dir, err)
	}
	faults.At("atomicfile.syncdir", path)
	return nil
}

// createError explains why no file could be created in dir, the directory
// of path.
func createError(path, dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is the temp file's; dir says enough
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return MissingDirError(path, dir, err)
	case errors.Is(err, fs.ErrPermission):
		return &hintError{fmt.Sprintf("%s: cannot create a file in %s: permission denied (make the directory writable or choose another output directory)", path, dir), err}
	case errors.Is(err, syscall.EROFS):
		return &hintError{fmt.Sprintf("%s: cannot create a file in %s: read-only file system (choose another output directory)", path, dir), err}
	}
	return fmt.Errorf("%s: cannot create a file in %s: %w", path, dir, err)
}

// renameError explains the failed rename of tmp over path, shortening the
// *LinkError.
func renameError(path, tmp string, err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	if fi, lerr := os.Lstat(path); lerr == nil && fi.IsDir() {
		return &hintError{fmt.Sprintf("%s: cannot replace it with %s: it is a directory (move it out of the way or choose another file name)", path, tmp), err}
	}
	return fmt.Errorf("%s: cannot replace it with %s: %w", path, tmp, err)
}

// MissingDirError is the error for a file path that cannot be created
// because its directory dir does not exist: it says so and what to do, and
// wraps err (which should match fs.ErrNotExist). Every writer of output
// files reports a missing directory with it.
func MissingDirError(path, dir string, err error) error {
	return &hintError{fmt.Sprintf("%s: directory %s does not exist (create it first or choose another output directory)", path, dir), err}
}

// Explain returns an error with the message msg, which should say what went
// wrong and what to do, wrapping err (so that errors.Is and errors.As see
// err).
func Explain(msg string, err error) error { return &hintError{msg, err} }

// hintError is an error message that explains err, which it wraps.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }
