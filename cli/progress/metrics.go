package progress

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/mafc-dev/mafc/internal/atomicfile"
)

// A Row is one line of a metrics file: named values in column order. Only
// Name and Value matter to [Metrics]; the files keep full precision
// whatever Format says, so the Fields given to [Bar.Update] can be logged
// as they are.
type Row []Field

// StepColumn is the column [Metrics.TruncateAfter] reads.
const StepColumn = "step"

// Metrics appends rows to a .csv or .jsonl file. Each [Metrics.Write] hands
// its row to the operating system in a single write before returning (no
// user-space buffering), so a killed process keeps every row written; the
// file is synced to disk by [Metrics.Close] and [Metrics.TruncateAfter].
//
// A Metrics is safe for concurrent use.
type Metrics struct {
	mu     sync.Mutex
	path   string
	jsonl  bool
	f      *os.File
	header []string       // CSV columns, nil until known
	index  map[string]int // CSV column → position
	buf    bytes.Buffer
}

// OpenMetrics opens the metrics file at path for appending, creating it if
// needed; the extension, .csv or .jsonl, chooses the format. An existing
// CSV file's header fixes the columns. A final line without its newline,
// left by a crash in the middle of a write, is removed. Use
// [Metrics.TruncateAfter] when resuming from a checkpoint, and
// [CreateMetrics] for a fresh run.
func OpenMetrics(path string) (*Metrics, error) {
	return openMetrics(path, false)
}

// CreateMetrics is like [OpenMetrics] but empties an existing file first.
func CreateMetrics(path string) (*Metrics, error) {
	return openMetrics(path, true)
}

func openMetrics(path string, truncate bool) (*Metrics, error) {
	m := &Metrics{path: path}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
	case ".jsonl":
		m.jsonl = true
	default:
		return nil, fmt.Errorf("progress: %s: unknown metrics format %q (want .csv or .jsonl)", path, ext)
	}
	if err := m.open(truncate); err != nil {
		return nil, err
	}
	return m, nil
}

// open opens m.path for appending, repairs a torn last line and reads the
// CSV header.
func (m *Metrics) open(truncate bool) error {
	flag := os.O_RDWR | os.O_CREATE | os.O_APPEND
	if truncate {
		flag |= os.O_TRUNC
	}
	f, err := os.OpenFile(m.path, flag, 0o644)
	if err != nil {
		return fmt.Errorf("progress: %w", openError(m.path, err))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("progress: %s: %w", m.path, err)
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		keep := bytes.LastIndexByte(data, '\n') + 1
		if err := f.Truncate(int64(keep)); err != nil {
			f.Close()
			return fmt.Errorf("progress: %s: removing a partial last line: %w", m.path, err)
		}
		data = data[:keep]
	}
	m.header, m.index = nil, nil
	if !m.jsonl && len(data) > 0 {
		r := csv.NewReader(bytes.NewReader(data))
		header, err := r.Read()
		if err != nil {
			f.Close()
			return fmt.Errorf("progress: %s: reading the CSV header: %w", m.path, err)
		}
		m.setHeader(header)
	}
	m.f = f
	return nil
}

// openError explains why the metrics file path could not be opened.
func openError(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return atomicfile.MissingDirError(path, dir, err)
	case errors.Is(err, fs.ErrPermission):
		return atomicfile.Explain(fmt.Sprintf("%s: permission denied (make it and %s writable or choose another output directory)", path, dir), err)
	}
	return err
}

func (m *Metrics) setHeader(h []string) {
	m.header = h
	m.index = make(map[string]int, len(h))
	for i, name := range h {
		m.index[name] = i
	}
}

// Path returns the file's path.
func (m *Metrics) Path() string { return m.path }

// Write appends row. The first row written to an empty CSV file fixes the
// header; a later row may leave columns out (empty cells) but must not add
// any. JSONL rows may have any columns. A row must be non-empty and must
// not repeat a name. Write makes one write system call, and allocates only
// the formatted row.
func (m *Metrics) Write(row Row) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return fmt.Errorf("progress: %s: Write after Close", m.path)
	}
	if len(row) == 0 {
		return fmt.Errorf("progress: %s: empty row", m.path)
	}
	for i, c := range row {
		for _, d := range row[:i] {
			if d.Name == c.Name {
				return fmt.Errorf("progress: %s: column %q appears twice in a row", m.path, c.Name)
			}
		}
	}
	m.buf.Reset()
	if m.jsonl {
		m.appendJSON(row)
	} else if err := m.appendCSV(row); err != nil {
		return err
	}
	if _, err := m.f.Write(m.buf.Bytes()); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

func (m *Metrics) appendJSON(row Row) {
	b := m.buf.AvailableBuffer()
	b = append(b, '{')
	for i, c := range row {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(c.Name) // a string always marshals
		b = append(b, name...)
		b = append(b, ':')
		switch v := c.Value; {
		case math.IsNaN(v):
			b = append(b, `"NaN"`...)
		case math.IsInf(v, 1):
			b = append(b, `"+Inf"`...)
		case math.IsInf(v, -1):
			b = append(b, `"-Inf"`...)
		default:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	b = append(b, "}\n"...)
	m.buf.Write(b)
}

func (m *Metrics) appendCSV(row Row) error {
	w := csv.NewWriter(&m.buf)
	if m.header == nil {
		h := make([]string, len(row))
		for i, c := range row {
			h[i] = c.Name
		}
		w.Write(h)
		m.setHeader(h)
	}
	rec := make([]string, len(m.header))
	for _, c := range row {
		i, ok := m.index[c.Name]
		if !ok {
			m.buf.Reset()
			return fmt.Errorf("progress: %s: column %q is not in the CSV header (%s): the first row fixes the columns; use a .jsonl file for varying columns",
				m.path, c.Name, strings.Join(m.header, ", "))
		}
		rec[i] = strconv.FormatFloat(c.Value, 'g', -1, 64)
	}
	w.Write(rec)
	w.Flush()
	return w.Error()
}

// TruncateAfter keeps only the rows whose "step" column ([StepColumn]) is
// at most step, in order, and the CSV header: call it when resuming from a
// checkpoint taken at step, so that rows logged after the checkpoint are not
// duplicated. The file is rewritten atomically (temporary file, sync,
// rename), so a crash leaves either the old or the new file; then writing
// continues at its end. A row without a numeric step, or a file that does
// not parse, is an error and leaves the file untouched.
//
// TruncateAfter reads the whole file into memory.
func (m *Metrics) TruncateAfter(step int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return fmt.Errorf("progress: %s: TruncateAfter after Close", m.path)
	}
	data, err := os.ReadFile(m.path)
	if err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	var kept []byte
	if m.jsonl {
		kept, err = keepJSONL(data, float64(step))
	} else {
		kept, err = keepCSV(data, float64(step))
	}
	if err != nil {
		return fmt.Errorf("progress: %s: %w", m.path, err)
	}
	perm := os.FileMode(0o644)
	if fi, err := m.f.Stat(); err == nil {
		perm = fi.Mode().Perm() // keep the file's permissions
	}
	if err := atomicfile.WriteFile(m.path, kept, perm); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	// The old descriptor refers to the replaced file: reopen.
	m.f.Close()
	m.f = nil
	return m.open(false)
}

// keepJSONL returns the lines of data whose "step" is ≤ step.
func keepJSONL(data []byte, step float64) ([]byte, error) {
	var kept []byte
	for n, line := 1, data; len(line) > 0; n++ {
		end := bytes.IndexByte(line, '\n') + 1
		if end == 0 {
			end = len(line)
		}
		cur := line[:end]
		line = line[end:]
		if len(bytes.TrimSpace(cur)) == 0 {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal(cur, &row); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		raw, ok := row[StepColumn]
		if !ok {
			return nil, fmt.Errorf("line %d: no %q column", n, StepColumn)
		}
		var s float64
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("line %d: %q is %s, not a number", n, StepColumn, raw)
		}
		if s <= step {
			kept = append(kept, cur...)
		}
	}
	return kept, nil
}

// keepCSV returns the header and the records of data whose "step" is
// ≤ step, each as the original bytes.
func keepCSV(data []byte, step float64) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	col := -1
	for i, name := range header {
		if name == StepColumn {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("no %q column in the CSV header (%s)", StepColumn, strings.Join(header, ", "))
	}
	kept := append([]byte(nil), data[:r.InputOffset()]...)
	for {
		start := r.InputOffset()
		rec, err := r.Read()
		if err == io.EOF {
			return kept, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		s, err := strconv.ParseFloat(rec[col], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %q is %q, not a number", line, StepColumn, rec[col])
		}
		if s <= step {
			kept = append(kept, data[start:r.InputOffset()]...)
		}
	}
}

// Close syncs and closes the file. Later calls return nil.
func (m *Metrics) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return nil
	}
	f := m.f
	m.f = nil
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("progress: %s: %w", m.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}
