//go:build unix

package rundir

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// kernelLock is true: the kernel releases the lock when the holder exits.
const kernelLock = true

// lockFile opens (creating) path and takes an exclusive flock(2) on it
// without waiting; errHeld if another open file holds it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errHeld
		}
		return nil, err
	}
	return f, nil
}

// unlockFile releases the lock by closing the file, which stays.
func unlockFile(f *os.File, _ string) error {
	return f.Close()
}
