package ckpt

import (
	"fmt"
	"os"
)

// Open loads the checkpoint at path: a checkpoint file, or a training
// output directory, from which it loads the newest valid checkpoint as
// [LoadLatest] does. It returns an error naming path when there is none.
func Open(path string) (*State, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ckpt: %w", err)
	}
	if !fi.IsDir() {
		return Load(path)
	}
	found, ok, err := LoadLatest(path)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("ckpt: %s: no checkpoint in this directory (want %s, written by mafc train)", path, FileName)
	}
	return found.State, nil
}
