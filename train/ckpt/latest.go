package ckpt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mafc-dev/mafc/internal/atomicfile"
	"github.com/mafc-dev/mafc/internal/faults"
)

// File names of the rotating pair kept in an output directory; see the
// package documentation.
const (
	FileName     = "checkpoint.ckpt"
	PrevFileName = "checkpoint.prev.ckpt"
)

// SaveLatest saves st as dir/checkpoint.ckpt, first keeping the checkpoint
// it replaces as dir/checkpoint.prev.ckpt if that checkpoint is valid, and
// returns the path written. The scheme, in the package documentation, leaves
// a complete, valid checkpoint under one of the two names at every instant
// once one has been saved, even after [LoadLatest] had to fall back to
// checkpoint.prev.ckpt: a checkpoint.ckpt that fails [Load] is replaced
// without being rotated over the valid checkpoint.prev.ckpt. On error
// checkpoint.ckpt is unchanged if it was never moved, or restored where
// possible.
//
// SaveLatest panics if st is nil. It allocates like [Save], and like
// [Load] of the checkpoint it replaces, which it reads back to validate.
// Concurrent calls on the same directory must be serialised by the caller.
func SaveLatest(dir string, st *State) (string, error) {
	if st == nil {
		panic("ckpt: SaveLatest of nil *State")
	}
	cur := filepath.Join(dir, FileName)
	prev := filepath.Join(dir, PrevFileName)
	enc, err := newEncoding(st)
	if err != nil {
		return "", fmt.Errorf("ckpt: %s: %w", cur, err)
	}
	tmp, err := atomicfile.WriteTemp(cur, 0o644, enc.writeTo)
	if err != nil {
		return "", fmt.Errorf("ckpt: %w", err)
	}
	moved, err := keepPrevious(cur, prev)
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := atomicfile.Commit(tmp, cur); err != nil {
		if _, serr := os.Lstat(cur); moved && errors.Is(serr, fs.ErrNotExist) {
			// The rename failed: put the old checkpoint back under its
			// name (best effort).
			os.Rename(prev, cur)
		}
		return "", fmt.Errorf("ckpt: %w", err)
	}
	return cur, nil
}

// keepPrevious makes prev a copy of cur if cur is a valid checkpoint: by a
// hard link renamed over prev (cur stays in place), or, where links fail,
// by renaming cur itself (moved reports this). A cur that fails [Load] is
// left alone, and so is prev, which may then be the only valid checkpoint.
func keepPrevious(cur, prev string) (moved bool, err error) {
	fi, err := os.Lstat(cur)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ckpt: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("ckpt: %s: not a regular file (mode %v); move it out of the way", cur, fi.Mode())
	}
	if _, err := Load(cur); err != nil {
		return false, nil // LoadLatest would not use it either
	}
	link, err := os.CreateTemp(filepath.Dir(prev), "."+filepath.Base(prev)+".tmp-*")
	if err == nil {
		name := link.Name()
		faults.At("ckpt.reserve", name)
		link.Close()
		os.Remove(name)
		faults.At("ckpt.unreserve", name)
		if err = os.Link(cur, name); err == nil {
			faults.At("ckpt.link", name)
			if err = os.Rename(name, prev); err == nil {
				faults.At("ckpt.keep", prev)
				// Where prev already was a link to cur (a crash after
				// this rename last time), rename did nothing and left
				// name.
				os.Remove(name)
				return false, nil
			}
			os.Remove(name)
		}
	}
	// No hard links here (or the temp name was lost in a race): move cur.
	if err := os.Rename(cur, prev); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err // the message names both files already
		}
		return false, fmt.Errorf("ckpt: %s: keeping previous checkpoint as %s: %w", cur, prev, err)
	}
	faults.At("ckpt.move", prev)
	return true, nil
}

// Latest returns the path of the newest checkpoint in dir: checkpoint.ckpt
// if it exists, otherwise checkpoint.prev.ckpt (left alone by a crash in the
// middle of [SaveLatest]). ok is false, with a nil error, if dir holds
// neither or does not exist. Latest does not validate the file; see
// [LoadLatest]. It is safe to call concurrently.
func Latest(dir string) (path string, ok bool, err error) {
	for _, name := range []string{FileName, PrevFileName} {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", false, fmt.Errorf("ckpt: %w", err)
		case !fi.Mode().IsRegular():
			return "", false, fmt.Errorf("ckpt: %s: not a regular file (mode %v)", p, fi.Mode())
		}
		return p, true, nil
	}
	return "", false, nil
}

// Found is the result of [LoadLatest].
type Found struct {
	State *State // the loaded checkpoint; State.Path() == Path
	Path  string // the file loaded: checkpoint.ckpt or checkpoint.prev.ckpt

	// Skipped is non-nil when checkpoint.ckpt exists but could not be
	// loaded and Path is therefore checkpoint.prev.ckpt; it says why.
	// Callers should report it: the run resumes from an older step.
	Skipped error
}

// LoadLatest loads the newest valid checkpoint in dir. It tries
// checkpoint.ckpt and, if that is missing or fails [Load], falls back to
// checkpoint.prev.ckpt, recording the first failure in Found.Skipped. ok is
// false, with a nil error, if neither file exists. If both exist and fail,
// the error reports both.
//
// It allocates like [Load] and is safe to call concurrently.
func LoadLatest(dir string) (found Found, ok bool, err error) {
	cur := filepath.Join(dir, FileName)
	prev := filepath.Join(dir, PrevFileName)
	st, errCur := Load(cur)
	if errCur == nil {
		return Found{State: st, Path: cur}, true, nil
	}
	curMissing := errors.Is(errCur, fs.ErrNotExist)
	st, errPrev := Load(prev)
	switch {
	case errPrev == nil && curMissing:
		return Found{State: st, Path: prev}, true, nil
	case errPrev == nil:
		return Found{State: st, Path: prev, Skipped: errCur}, true, nil
	case curMissing && errors.Is(errPrev, fs.ErrNotExist):
		return Found{}, false, nil
	case curMissing:
		return Found{}, false, errPrev
	case errors.Is(errPrev, fs.ErrNotExist):
		return Found{}, false, errCur
	}
	return Found{}, false, fmt.Errorf("%w; the fallback failed too: %w", errCur, errPrev)
}
