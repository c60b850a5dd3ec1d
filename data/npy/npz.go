package npy

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// NPZ writes a .npz archive, as numpy.savez does: a zip file with one .npy
// member per array, which numpy.load opens as a mapping from names to
// arrays. Members are stored uncompressed (numpy.savez's choice), in the
// order they are added.
//
// An NPZ is not safe for concurrent use.
type NPZ struct {
	zw    *zip.Writer
	names map[string]bool
}

// NewNPZ returns an NPZ writing to w. Call Close to finish the archive.
func NewNPZ(w io.Writer) *NPZ {
	return &NPZ{zw: zip.NewWriter(w), names: map[string]bool{}}
}

// Float64 adds the float64 array data of the given shape under name
// (numpy.load's key; the member is name + ".npy"). Names must be unique,
// non-empty and free of NUL and backslash; they may contain '/' and '.'.
func (z *NPZ) Float64(name string, data []float64, shape ...int) error {
	var b bytes.Buffer
	if err := Write(&b, data, shape...); err != nil {
		return fmt.Errorf("npy: member %q: %w", name, unprefix(err))
	}
	return z.add(name, b.Bytes())
}

// Uint8 adds the byte array data ('|u1') of the given shape under name;
// text (a spec, a JSON document) goes in as a one-dimensional array, which
// bytes(a).decode() turns back into a string.
func (z *NPZ) Uint8(name string, data []byte, shape ...int) error {
	h, err := header("|u1", len(data), shape)
	if err != nil {
		return fmt.Errorf("npy: member %q: %w", name, unprefix(err))
	}
	return z.add(name, append(h, data...))
}

func (z *NPZ) add(name string, member []byte) error {
	switch {
	case name == "" || strings.ContainsAny(name, "\x00\\"):
		return fmt.Errorf("npy: bad member name %q", name)
	case z.names[name]:
		return fmt.Errorf("npy: duplicate member %q", name)
	}
	z.names[name] = true
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if _, err := w.Write(member); err != nil {
		return fmt.Errorf("npy: member %q: %w", name, err)
	}
	return nil
}

// Close writes the zip directory. It does not close the underlying writer.
func (z *NPZ) Close() error {
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// WriteNPZFile writes the archive that fill builds to path, atomically as
// [WriteFile] does: on error any existing file is left untouched. Errors
// name the file.
func WriteNPZFile(path string, fill func(*NPZ) error) error {
	return writeAtomic(path, func(w io.Writer) error {
		z := NewNPZ(w)
		if err := fill(z); err != nil {
			return err
		}
		return z.Close()
	})
}
