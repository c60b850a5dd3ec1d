package npy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ReadFile reads a float64 array from the .npy file at path, as [Read].
func ReadFile(path string) (data []float64, shape []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	data, shape, err = Read(f)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %s: %w", path, unprefix(err))
	}
	return data, shape, nil
}

// writeAtomic replaces path with what write produces: a temporary file in
// the same directory is written, synced, closed and renamed over path, and
// the directory is synced. On error the temporary file is removed and path
// is untouched. (runtime/ckpt has the same helper; each package keeps its
// own so that their errors carry their own prefix.)
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if path == "" || os.IsPathSeparator(path[len(path)-1]) || base == "." {
		return fmt.Errorf("npy: %q: no file name", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is the temp file's; dir says enough
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &hintError{fmt.Sprintf("npy: %s: directory %s does not exist (create it first or choose another output directory)", path, dir), err}
		case errors.Is(err, fs.ErrPermission):
			return &hintError{fmt.Sprintf("npy: %s: cannot create a file in %s: permission denied (make the directory writable or choose another output directory)", path, dir), err}
		}
		return fmt.Errorf("npy: %s: cannot create a file in %s: %w", path, dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil && tmp != "" {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("npy: %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("npy: %s: writing %s: %w", path, tmp, unprefix(err))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("npy: %s: syncing %s: %w", path, tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("npy: %s: closing %s: %w", path, tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("npy: %s: cannot replace it with %s: %w", path, tmp, err)
	}
	tmp = "" // renamed: nothing to clean up any more
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("npy: %s: syncing directory: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("npy: %s: syncing directory %s: %w", path, dir, err)
	}
	return nil
}

// hintError is an error message that explains err, which it wraps.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }
