package ckpt

import (
	"bytes"
	"fmt"
)

// Marshal returns the encoding of st that [Save] writes to a file, for
// sending a checkpoint between processes. It panics if st is nil.
func Marshal(st *State) ([]byte, error) {
	if st == nil {
		panic("ckpt: Marshal of nil *State")
	}
	enc, err := newEncoding(st)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(enc.size))
	if err := enc.writeTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes and validates an encoding made by [Marshal] (or the
// bytes of a checkpoint file), as [Load] does; path, used in messages and
// returned by [State.Path], names where it came from.
func Unmarshal(b []byte, path string) (*State, error) {
	st, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("ckpt: %s: %w", path, err)
	}
	st.path = path
	return st, nil
}
