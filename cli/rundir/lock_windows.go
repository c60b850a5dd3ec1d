//go:build windows

package rundir

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte lies: far beyond the holder record,
// which other processes must still be able to read.
const lockOffset = 1 << 40

// kernelLock is true: the kernel releases the lock when the holder exits.
const kernelLock = true

// lockFile opens (creating) path and locks one byte of it exclusively with
// LockFileEx without waiting; errHeld if another handle holds it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ol := windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
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
