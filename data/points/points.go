// Package points reads a user's data set, N points of dimension D, from a
// .npy file (float32 or float64, shape N×D) or a CSV file (numbers only,
// one point per line, an optional header line), and splits it into
// training and validation points with a seeded shuffle.
//
// A data file is untrusted input. [Load] refuses anything that is not a
// regular file (a FIFO, a device, a directory) before opening it, checks the
// file's size against [Limits.MaxBytes] and the number of values against
// [Limits.MaxValues] before allocating for them, requires every value to be
// finite, and checks D against the model's input dimension. Every error
// names the file, and for CSV the line (and column) of the problem.
package points

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/data/shuffle"
)

// Limits bounds what [Load] reads.
type Limits struct {
	// MaxBytes is the largest file size accepted.
	MaxBytes int64
	// MaxValues is the largest N·D accepted.
	MaxValues int
}

// DefaultLimits are the limits mafc uses: files up to 2 GiB and up to 2²⁸
// values (2 GiB of float64).
var DefaultLimits = Limits{MaxBytes: 2 << 30, MaxValues: 1 << 28}

// Set is a data set of N points of dimension D.
type Set struct {
	Path string    // the file it was read from
	N, D int       // points and dimension
	X    []float64 // N×D, row-major
}

// Row returns point i (not a copy).
func (s *Set) Row(i int) []float64 { return s.X[i*s.D : (i+1)*s.D] }

// Load reads the points in path (.npy or .csv, by extension, in any case).
// dim, when positive, is the dimension the points must have (the model's
// input dimension). It returns an error naming the file for a missing,
// non-regular, oversized or malformed file, a wrong dimension, an empty
// data set, or a value that is NaN or infinite.
func Load(path string, dim int, lim Limits) (*Set, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".npy" && ext != ".csv" {
		return nil, fmt.Errorf("%s: unknown data format %q: want a .npy (float32 or float64, N×D) or .csv file", path, ext)
	}
	// Stat before opening: opening a FIFO would block.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if err := checkFile(path, fi, lim); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fileError(path, err)
	}
	if err := checkFile(path, fi, lim); err != nil { // it may have changed since
		return nil, err
	}
	r := io.LimitReader(f, lim.MaxBytes)
	var s *Set
	if ext == ".npy" {
		s, err = readNPY(r, lim)
	} else {
		s, err = readCSV(r, lim)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Path = path
	if err := s.check(dim); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// fileError reports an error from the file system as "path: problem".
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func checkFile(path string, fi os.FileInfo, lim Limits) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not a data file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file (%v): give a .npy or .csv file", path, fi.Mode().Type())
	case fi.Size() > lim.MaxBytes:
		return fmt.Errorf("%s: %d bytes, more than the limit of %d: use a smaller file", path, fi.Size(), lim.MaxBytes)
	}
	return nil
}

// check validates the shape and values.
func (s *Set) check(dim int) error {
	if s.N == 0 {
		return errors.New("no data points")
	}
	if dim > 0 && s.D != dim {
		return fmt.Errorf("points have dimension %d (%d columns), but the model's input has dimension %d", s.D, s.D, dim)
	}
	for k, v := range s.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("point %d (row %d), coordinate %d is %v: every value must be finite", k/s.D, k/s.D, k%s.D, v)
		}
	}
	return nil
}

func readNPY(r io.Reader, lim Limits) (*Set, error) {
	data, shape, err := npy.ReadFloats(r, lim.MaxValues)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "npy: "))
	}
	switch len(shape) {
	case 2:
		return &Set{N: shape[0], D: shape[1], X: data}, nil
	case 1:
		// A plain vector is N points of dimension 1.
		return &Set{N: shape[0], D: 1, X: data}, nil
	}
	return nil, fmt.Errorf("array of shape %v: want a 2-D array N×D (one point per row)", shape)
}

// readCSV reads comma-separated numbers, one point per line. The first
// line is a header, and skipped, if any of its fields is not a number.
// Blank lines and lines starting with '#' are ignored.
func readCSV(r io.Reader, lim Limits) (*Set, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked here, with a better message
	var s Set
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if isHeader(rec) {
				continue
			}
		}
		if s.D == 0 {
			s.D = len(rec)
		} else if len(rec) != s.D {
			return nil, fmt.Errorf("line %d: %d fields, but the first data line has %d", line, len(rec), s.D)
		}
		if len(s.X)+len(rec) > lim.MaxValues {
			return nil, fmt.Errorf("line %d: more than %d values, the limit: use a smaller file", line, lim.MaxValues)
		}
		for i, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				_, col := cr.FieldPos(i)
				if errors.Is(err, strconv.ErrRange) {
					return nil, fmt.Errorf("line %d, column %d: %q is out of the float64 range", line, col, f)
				}
				return nil, fmt.Errorf("line %d, column %d: %q is not a number (only numbers after an optional header line)", line, col, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				_, col := cr.FieldPos(i)
				return nil, fmt.Errorf("line %d, column %d: %q: every value must be finite", line, col, f)
			}
			s.X = append(s.X, v)
		}
		s.N++
	}
	return &s, nil
}

// isHeader reports whether a first CSV line is a header: some field is not
// a number (a value such as "nan" or "inf" is a number, and rejected later).
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return true
		}
	}
	return false
}

// Split partitions 0..n−1 into training and validation indices, both
// sorted: round(frac·n) validation points (at least one when frac > 0)
// chosen by a Fisher-Yates shuffle seeded with seed. The partition is a
// pure function of (n, frac, seed) and does not change with the Go
// version. frac = 0 gives every index to training. It returns an error
// when frac is outside [0, 1) or leaves no training point.
func Split(n int, frac float64, seed uint64) (train, valid []int, err error) {
	if !(frac >= 0 && frac < 1) {
		return nil, nil, fmt.Errorf("validation fraction %v: want 0 ≤ fraction < 1", frac)
	}
	nValid := int(math.Round(frac * float64(n)))
	if frac > 0 {
		nValid = max(nValid, 1)
	}
	if n-nValid < 1 {
		return nil, nil, fmt.Errorf("%d points leave none for training after %d validation points: use more points or a smaller validation fraction", n, nValid)
	}
	perm := shuffle.Permutation(n, seed, splitStream)
	train, valid = perm[:n-nValid:n-nValid], perm[n-nValid:]
	slices.Sort(train)
	slices.Sort(valid)
	return train, valid, nil
}

const splitStream = 0x73706c6974 // "split"
