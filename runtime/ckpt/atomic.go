package ckpt

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writeAtomic replaces path with the bytes write produces: temp file in the
// same directory, write, sync, close, rename, sync the directory. On error
// the temp file is removed and path is untouched.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := writeTemp(path, write)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("ckpt: %s: %w", path, renameError(err))
	}
	return syncDir(path)
}

// writeTemp writes a synced and closed temporary file next to path and
// returns its name. On error nothing is left behind.
func writeTemp(path string, write func(io.Writer) error) (_ string, err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if path == "" || os.IsPathSeparator(path[len(path)-1]) || base == "." {
		return "", fmt.Errorf("ckpt: %q: no file name", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("ckpt: %s: %w", path, createError(dir, err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp uses 0600; checkpoints are ordinary output files.
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("ckpt: %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return "", fmt.Errorf("ckpt: %s: writing %s: %w", path, tmp, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("ckpt: %s: syncing %s: %w", path, tmp, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("ckpt: %s: closing %s: %w", path, tmp, err)
	}
	return tmp, nil
}

// createError explains why a file could not be created in dir.
func createError(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is the temp file's; dir says enough
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &hintError{fmt.Sprintf("directory %s does not exist (create it first or choose another output directory)", dir), err}
	case errors.Is(err, fs.ErrPermission):
		return &hintError{fmt.Sprintf("cannot create a file in %s: permission denied (make the directory writable or choose another output directory)", dir), err}
	case errors.Is(err, syscall.EROFS):
		return &hintError{fmt.Sprintf("cannot create a file in %s: read-only file system (choose another output directory)", dir), err}
	}
	return fmt.Errorf("cannot create a file in %s: %w", dir, err)
}

// hintError is an error message that explains err, which it wraps.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }

// renameError shortens the *LinkError of a failed rename.
func renameError(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("cannot replace it with %s: %w", le.Old, le.Err)
	}
	return err
}

// syncDir fsyncs the directory holding path so that a rename survives a
// crash. File systems that cannot sync directories (EINVAL) are tolerated.
func syncDir(path string) error {
	dir := filepath.Dir(path)
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ckpt: %s: syncing directory: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("ckpt: %s: syncing directory %s: %w", path, dir, err)
	}
	return nil
}
