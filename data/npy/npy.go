package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/mafc-dev/mafc/internal/atomicfile"
)

const (
	magic      = "\x93NUMPY"
	preamble   = len(magic) + 2 + 2 // magic, version, header length (v1.0)
	align      = 64
	chunkElems = 4096
)

// Write writes data as a float64 ('<f8') array of the given shape in .npy
// version 1.0 format. An empty shape writes a zero-dimensional array, which
// needs exactly one element. It returns an error, and writes nothing, if a
// dimension is negative or the shape's element count is not len(data).
//
// Write encodes through a fixed 32 KiB buffer, whatever len(data) is; it
// does not modify data. It is safe to call concurrently with distinct
// writers.
func Write(w io.Writer, data []float64, shape ...int) error {
	h, err := header("<f8", len(data), shape)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<15)
	bw.Write(h)
	var b [8]byte
	for _, x := range data {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// WriteInt8 is like [Write] for int8 data ('|i1'), such as ±1 spin
// configurations.
func WriteInt8(w io.Writer, data []int8, shape ...int) error {
	h, err := header("|i1", len(data), shape)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<15)
	bw.Write(h)
	for _, x := range data {
		bw.WriteByte(byte(x))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// WriteFile writes data to path as by [Write], replacing path atomically:
// on error any existing file is left untouched and no temporary file
// remains. Errors name the file.
func WriteFile(path string, data []float64, shape ...int) error {
	if _, err := header("<f8", len(data), shape); err != nil {
		return fmt.Errorf("npy: %s: %w", path, unprefix(err))
	}
	return writeAtomic(path, func(w io.Writer) error { return Write(w, data, shape...) })
}

// WriteFileInt8 writes data to path as by [WriteInt8], atomically like
// [WriteFile].
func WriteFileInt8(path string, data []int8, shape ...int) error {
	if _, err := header("|i1", len(data), shape); err != nil {
		return fmt.Errorf("npy: %s: %w", path, unprefix(err))
	}
	return writeAtomic(path, func(w io.Writer) error { return WriteInt8(w, data, shape...) })
}

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

// writeAtomic replaces path with what write produces, as
// [atomicfile.Write] does, with this package's error prefix (and not twice:
// errors from write lose theirs).
func writeAtomic(path string, write func(io.Writer) error) error {
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if err := write(w); err != nil {
			return unprefix(err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

func unprefix(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "npy: "); ok {
		return errors.New(s)
	}
	return err
}

// shapeString formats a shape as a Python tuple: (), (3,), (3, 4).
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// header returns the magic, version, length and padded dict for an array
// of n elements of type descr.
func header(descr string, n int, shape []int) ([]byte, error) {
	count := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("npy: negative dimension in shape %s", shapeString(shape))
		}
		if d != 0 && count > math.MaxInt/d {
			return nil, fmt.Errorf("npy: shape %s has too many elements", shapeString(shape))
		}
		count *= d
	}
	if count != n {
		return nil, fmt.Errorf("npy: shape %s has %d elements but data has %d", shapeString(shape), count, n)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeString(shape))
	total := preamble + len(dict) + 1 // + '\n'
	total += (align - total%align) % align
	hlen := total - preamble
	if hlen > math.MaxUint16 {
		return nil, fmt.Errorf("npy: header for shape %s is %d bytes, more than version 1.0 allows", shapeString(shape), hlen)
	}
	b := make([]byte, 0, total)
	b = append(b, magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(b, '\n'), nil
}

// Read reads a float64 ('<f8', C order) array in .npy format version 1.0 or
// 2.0 and returns its elements and shape. Other element types, big-endian
// data and Fortran order are reported as errors. The data are read in
// chunks, so a header claiming an absurd shape fails at end of input rather
// than allocating for it. Read is meant for tests and tools; it consumes
// exactly one array from r. [ReadFloats] also accepts float32 and
// big-endian data and bounds the element count.
func Read(r io.Reader) (data []float64, shape []int, err error) {
	descr, shape, n, err := readHeader(r, math.MaxInt/8)
	if err != nil {
		return nil, nil, err
	}
	if descr != "<f8" {
		return nil, nil, fmt.Errorf("npy: element type %q not supported (want '<f8')", descr)
	}
	data, err = readElems(r, n, 8, binary.LittleEndian)
	return data, shape, err
}

// ReadFloats reads a float32 or float64 array ('<f4', '<f8', '>f4', '>f8';
// also '=' and native-order forms numpy writes on little-endian machines)
// in C order, converting float32 elements exactly to float64. It refuses,
// before reading any element, a header whose shape has more than maxElems
// elements; it allocates as the data arrive, so a short file fails without
// allocating for its claimed shape.
func ReadFloats(r io.Reader, maxElems int) (data []float64, shape []int, err error) {
	descr, shape, n, err := readHeader(r, maxElems)
	if err != nil {
		return nil, nil, err
	}
	var size int
	var order binary.ByteOrder = binary.LittleEndian
	switch descr {
	case "<f8", "=f8", "f8":
		size = 8
	case ">f8":
		size, order = 8, binary.BigEndian
	case "<f4", "=f4", "f4":
		size = 4
	case ">f4":
		size, order = 4, binary.BigEndian
	default:
		return nil, nil, fmt.Errorf("npy: element type %q not supported (want float64 '<f8' or float32 '<f4'; convert with a.astype(np.float64))", descr)
	}
	data, err = readElems(r, n, size, order)
	return data, shape, err
}

// readHeader reads the preamble and header of a C-order array with at most
// maxElems elements and returns its descr, shape and element count.
func readHeader(r io.Reader, maxElems int) (descr string, shape []int, n int, err error) {
	var pre [len(magic) + 2]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return "", nil, 0, fmt.Errorf("npy: reading preamble: %w", err)
	}
	if string(pre[:len(magic)]) != magic {
		return "", nil, 0, fmt.Errorf("npy: not a .npy file (starts with %q)", pre[:len(magic)])
	}
	var hlen int
	switch major := pre[len(magic)]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", nil, 0, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", nil, 0, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return "", nil, 0, fmt.Errorf("npy: header length %d is implausible", hlen)
		}
	default:
		return "", nil, 0, fmt.Errorf("npy: unsupported version %d.%d (want 1.0 or 2.0)", major, pre[len(magic)+1])
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(r, h); err != nil {
		return "", nil, 0, fmt.Errorf("npy: reading %d-byte header: %w", hlen, err)
	}
	descr, fortran, shape, err := parseHeader(string(h))
	if err != nil {
		return "", nil, 0, err
	}
	if fortran {
		return "", nil, 0, errors.New("npy: fortran_order arrays not supported (save a C-order copy: np.save(f, np.ascontiguousarray(a)))")
	}
	n = 1
	for _, d := range shape {
		if d != 0 && n > maxElems/d {
			return "", nil, 0, fmt.Errorf("npy: shape %s has too many elements (at most %d)", shapeString(shape), maxElems)
		}
		n *= d
	}
	if n > maxElems {
		return "", nil, 0, fmt.Errorf("npy: shape %s has too many elements (at most %d)", shapeString(shape), maxElems)
	}
	return descr, shape, n, nil
}

// readElems reads n float elements of size bytes (4 or 8) in the given
// byte order, in chunks.
func readElems(r io.Reader, n, size int, order binary.ByteOrder) ([]float64, error) {
	data := make([]float64, 0, min(n, chunkElems))
	buf := make([]byte, size*min(n, chunkElems))
	for len(data) < n {
		k := min(n-len(data), chunkElems)
		if _, err := io.ReadFull(r, buf[:size*k]); err != nil {
			return nil, fmt.Errorf("npy: reading element %d of %d: %w", len(data), n, err)
		}
		for i := range k {
			if size == 8 {
				data = append(data, math.Float64frombits(order.Uint64(buf[8*i:])))
			} else {
				data = append(data, float64(math.Float32frombits(order.Uint32(buf[4*i:]))))
			}
		}
	}
	return data, nil
}

// parseHeader parses the dict literal numpy writes. It accepts the keys in
// any order and either quote style, which covers the files numpy itself
// writes.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	bad := func(why string) error { return fmt.Errorf("npy: malformed header %q: %s", h, why) }
	s := strings.TrimSpace(h)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return "", false, nil, bad("not a dict")
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	seen := map[string]bool{}
	for s != "" {
		key, rest, ok := quoted(s)
		if !ok {
			return "", false, nil, bad("want a quoted key")
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return "", false, nil, bad("want ':' after key")
		}
		rest = strings.TrimSpace(rest[1:])
		switch key {
		case "descr":
			descr, rest, ok = quoted(rest)
			if !ok {
				return "", false, nil, bad("descr is not a string")
			}
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "False"):
				fortran, rest = false, rest[len("False"):]
			case strings.HasPrefix(rest, "True"):
				fortran, rest = true, rest[len("True"):]
			default:
				return "", false, nil, bad("fortran_order is not a bool")
			}
		case "shape":
			end := strings.IndexByte(rest, ')')
			if !strings.HasPrefix(rest, "(") || end < 0 {
				return "", false, nil, bad("shape is not a tuple")
			}
			shape = []int{}
			for _, f := range strings.Split(rest[1:end], ",") {
				f = strings.TrimSpace(f)
				if f == "" {
					continue
				}
				d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
				if err != nil || d < 0 {
					return "", false, nil, bad(fmt.Sprintf("bad dimension %q", f))
				}
				shape = append(shape, d)
			}
			rest = rest[end+1:]
		default:
			return "", false, nil, bad(fmt.Sprintf("unknown key %q", key))
		}
		seen[key] = true
		rest = strings.TrimSpace(rest)
		rest = strings.TrimPrefix(rest, ",")
		s = strings.TrimSpace(rest)
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return "", false, nil, bad("want keys 'descr', 'fortran_order' and 'shape'")
	}
	return descr, fortran, shape, nil
}

// quoted splits a leading Python string literal without escapes off s.
func quoted(s string) (val, rest string, ok bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}
