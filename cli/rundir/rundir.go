// Package rundir makes a training run's output directory belong to one
// process at a time and cleans up after processes that were killed.
//
// [Acquire] takes an exclusive lock on the file .lock ([LockName]) in the
// directory and records the holder in it (process id, host, start time,
// command line), so that a second process is refused with a message that
// names the first. On Unix the lock is flock(2) and on Windows LockFileEx:
// the kernel releases it when the holder exits, however it exits, so a lock
// is never left behind by a crash and there is nothing to clean up by hand.
// The lock file itself stays; only the lock on it counts. On other systems
// the lock is the exclusive creation of the file, removed on release; a
// crash leaves it behind and the message says to remove it.
//
// [RemoveTemps] removes the temporary files that an interrupted atomic
// write (package atomicfile) leaves behind; call it while holding the lock,
// so that none of them can belong to a live writer of the run.
package rundir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockName is the name of the lock file in a run directory.
const LockName = ".lock"

// maxHolder bounds what is read of a lock file's holder record.
const maxHolder = 4096

// Lock is a held run-directory lock; see [Acquire].
type Lock struct {
	f    *os.File
	path string
}

// HeldError is returned by [Acquire] when another process holds the lock.
type HeldError struct {
	Dir    string // the run directory
	Holder string // the holder's record (pid, host, start, command), or "" if it has written none yet
}

func (e *HeldError) Error() string {
	who := "another process (it has not recorded itself yet)"
	if e.Holder != "" {
		who = e.Holder
	}
	msg := fmt.Sprintf("%s is in use by %s: wait for it to finish or stop it, or choose another output directory", e.Dir, who)
	if !kernelLock {
		msg += fmt.Sprintf(" (if it is no longer running, remove %s)", filepath.Join(e.Dir, LockName))
	}
	return msg
}

// Holder describes this process for a lock file: its process id, host,
// the current time and the command line args.
func Holder(args []string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "?"
	}
	return fmt.Sprintf("pid %d on host %s, started %s: %s", os.Getpid(), host, time.Now().Format(time.RFC3339), strings.Join(args, " "))
}

// Acquire takes the exclusive lock of the run directory dir (which must
// exist) and writes holder (see [Holder]) into the lock file. If another
// process holds the lock, the error is a *[HeldError] naming that process.
// Release the lock with [Lock.Release]; it is also released when the
// process ends. Within one process a second Acquire of the same directory
// fails too.
func Acquire(dir, holder string) (*Lock, error) {
	path := filepath.Join(dir, LockName)
	f, err := lockFile(path)
	if errors.Is(err, errHeld) {
		return nil, &HeldError{Dir: dir, Holder: readHolder(path)}
	}
	if err != nil {
		return nil, fmt.Errorf("rundir: cannot lock %s: %w", path, err)
	}
	// The record is for people; failing to write it does not matter.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	return &Lock{f: f, path: path}, nil
}

// Release releases the lock. Later calls do nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f, l.path)
	l.f = nil
	return err
}

var errHeld = errors.New("held by another process")

// readHolder returns the first line of the lock file at path, bounded in
// length.
func readHolder(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxHolder))
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(strings.ToValidUTF8(line, "?"))
}

// RemoveTemps removes from dir the temporary files left by atomic writes
// that never finished (".NAME.tmp-DIGITS", as package atomicfile and
// os.CreateTemp name them) and returns their names. Only regular files
// with exactly that form of name are removed. Call it while holding the
// lock: a temporary file of a write in progress in the directory would be
// removed too.
func RemoveTemps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rundir: %w", err)
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		err := os.Remove(filepath.Join(dir, e.Name()))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("rundir: removing a temporary file left by an interrupted write: %w", err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

// IsTemp reports whether name has the form of the temporary files of
// atomic writes: ".NAME.tmp-DIGITS" with NAME non-empty.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if len(name) < 2 || name[0] != '.' || i < 2 {
		return false
	}
	digits := name[i+len(".tmp-"):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
