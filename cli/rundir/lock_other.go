//go:build !unix && !windows

package rundir

import (
	"errors"
	"io/fs"
	"os"
)

// kernelLock is false: a crash leaves the lock file behind (see
// [HeldError]).
const kernelLock = false

// lockFile creates path exclusively; errHeld if it exists.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, errHeld
	}
	return f, err
}

// unlockFile releases the lock by removing the file.
func unlockFile(f *os.File, path string) error {
	err := f.Close()
	if rerr := os.Remove(path); err == nil {
		err = rerr
	}
	return err
}
