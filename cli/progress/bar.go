package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Mode selects how a [Bar] prints.
type Mode int

const (
	// Auto uses Live when the writer is an *os.File on a terminal (and
	// $TERM is not "dumb"), Lines otherwise.
	Auto Mode = iota
	// Live redraws a single line in place.
	Live
	// Lines prints plain log lines.
	Lines
)

// Options configures a [Bar]. The zero value gives the defaults.
type Options struct {
	Mode Mode // Auto by default

	// Every is the least time between two log lines in Lines mode
	// (10 s by default). The first and last steps are always printed.
	Every time.Duration
	// Redraw is the least time between two redraws in Live mode
	// (100 ms by default).
	Redraw time.Duration

	// Start is the step the run starts from, for a resumed run: the first
	// rate is measured from (Start, the time New was called).
	Start int64
	// Smoothing is α, the weight of one step in the moving average of the
	// step duration (0.1 by default; 1 uses only the latest update).
	Smoothing float64

	// Width, in Live mode, cuts the line to Width−1 characters so that it
	// never wraps. Zero means the terminal's width where it can be found,
	// else no limit.
	Width int

	// Now is the clock (time.Now by default); tests inject a fake one.
	Now func() time.Time
}

// A Field is a named number shown on the progress line, and a column of a
// [Metrics] row.
type Field struct {
	Name   string
	Value  float64
	Format string // fmt verb for Value on the progress line; "%.4g" if empty
	Suffix bool   // print "value name" (a unit, as in "12.3 samples/s"), not "name value"
}

// F returns the field printed as "name value", e.g. F("loss", l, "%.4f")
// prints "loss -2.1234".
func F(name string, value float64, format string) Field {
	return Field{Name: name, Value: value, Format: format}
}

// Unit returns the field printed as "value unit", e.g.
// Unit("samples/s", r, "%.1f") prints "12.3 samples/s".
func Unit(unit string, value float64, format string) Field {
	return Field{Name: unit, Value: value, Format: format, Suffix: true}
}

// A Bar shows the progress of a run of total steps. Create one with [New],
// call [Bar.Update] after each step and [Bar.Done] at the end.
//
// A Bar is safe for concurrent use; typically one goroutine updates it and
// others may call Printf.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	total  int64
	live   bool
	every  time.Duration
	alpha  float64
	width  int
	now    func() time.Time
	start  time.Time
	fields []Field
	buf    []byte
	err    error

	step      int64     // latest step reported
	baseStep  int64     // step and time the next duration is measured from
	baseTime  time.Time //
	tau       float64   // moving average of seconds per step; valid if haveTau
	haveTau   bool      //
	printed   bool      // something has been printed
	printStep int64     // step of the last print
	lastPrint time.Time //
	dirty     bool      // the latest state has not been printed
	shown     bool      // Live: a line is on screen, not ended by '\n'
	done      bool
}

// New returns a Bar that writes to w for a run of total steps (total ≤ 0:
// unknown, no ETA). It prints nothing until the first [Bar.Update]. It
// panics if opts.Mode is not a Mode.
func New(w io.Writer, total int64, opts Options) *Bar {
	b := &Bar{w: w, total: total, now: opts.Now, alpha: opts.Smoothing, width: opts.Width}
	if b.now == nil {
		b.now = time.Now
	}
	if b.alpha <= 0 || b.alpha > 1 {
		b.alpha = 0.1
	}
	f, isFile := w.(*os.File)
	switch opts.Mode {
	case Auto:
		b.live = isFile && isTerminal(f) && os.Getenv("TERM") != "dumb"
	case Live:
		b.live = true
	case Lines:
	default:
		panic("progress: unknown Mode")
	}
	if b.live {
		b.every = cmp(opts.Redraw, 100*time.Millisecond)
		if b.width == 0 && isFile {
			b.width = termWidth(f)
		}
	} else {
		b.every = cmp(opts.Every, 10*time.Second)
	}
	b.start = b.now()
	b.baseStep, b.baseTime, b.step = opts.Start, b.start, opts.Start
	return b
}

func cmp(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Update records that step steps are done (fields describe them) and
// prints the line if it is due: always for the first update and for the
// last step (step ≥ total), otherwise when the interval of the mode has
// passed since the last print. A step that goes backwards restarts the
// rate measurement. Update does nothing after [Bar.Done].
//
// Update copies fields. It allocates only when it prints, or when fields
// outgrow their previous length.
func (b *Bar) Update(step int64, fields ...Field) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	now := b.now()
	switch {
	case step > b.baseStep:
		k := float64(step - b.baseStep)
		d := now.Sub(b.baseTime).Seconds() / k
		if b.haveTau {
			a := 1 - math.Pow(1-b.alpha, k)
			b.tau = a*d + (1-a)*b.tau
		} else {
			b.tau, b.haveTau = d, true
		}
		b.baseStep, b.baseTime = step, now
	case step < b.baseStep:
		b.baseStep, b.baseTime = step, now
	}
	b.dirty = b.dirty || !b.printed || step != b.printStep || !slices.Equal(b.fields, fields)
	b.step = step
	b.fields = append(b.fields[:0], fields...)

	last := b.total > 0 && step >= b.total && !(b.printed && b.printStep == step)
	if !b.printed || last || now.Sub(b.lastPrint) >= b.every {
		b.print(now)
	}
}

// print writes the current state; b.mu is held.
func (b *Bar) print(now time.Time) {
	b.buf = b.buf[:0]
	if b.live {
		b.buf = append(b.buf, '\r')
	}
	lineStart := len(b.buf)
	b.buf = b.line(b.buf, now)
	if b.live {
		b.buf = cut(b.buf, lineStart, b.width)
		b.buf = append(b.buf, "\x1b[K"...)
		b.shown = true
	} else {
		b.buf = append(b.buf, '\n')
	}
	b.write(b.buf)
	b.printed, b.printStep, b.lastPrint, b.dirty = true, b.step, now, false
}

// line appends "step 120/2000  loss -2.1234  12.3 samples/s  ETA 4m10s".
func (b *Bar) line(buf []byte, now time.Time) []byte {
	buf = append(buf, "step "...)
	buf = strconv.AppendInt(buf, b.step, 10)
	if b.total > 0 {
		buf = append(buf, '/')
		buf = strconv.AppendInt(buf, b.total, 10)
	}
	for _, f := range b.fields {
		buf = append(buf, "  "...)
		format := f.Format
		if format == "" {
			format = "%.4g"
		}
		if f.Suffix {
			buf = fmt.Appendf(buf, format, f.Value)
			buf = append(buf, ' ')
			buf = append(buf, f.Name...)
		} else {
			buf = append(buf, f.Name...)
			buf = append(buf, ' ')
			buf = fmt.Appendf(buf, format, f.Value)
		}
	}
	switch {
	case b.total > 0 && b.step >= b.total:
		buf = append(buf, "  elapsed "...)
		buf = append(buf, FormatDuration(now.Sub(b.start))...)
	case b.total > 0 && b.haveTau:
		buf = append(buf, "  ETA "...)
		eta := time.Duration(float64(b.total-b.step) * b.tau * float64(time.Second))
		buf = append(buf, FormatDuration(eta)...)
	}
	return buf
}

// cut shortens buf[from:] to at most width−1 characters (width > 0).
func cut(buf []byte, from, width int) []byte {
	if width <= 0 {
		return buf
	}
	n := 0
	for i := from; i < len(buf); {
		if n == width-1 {
			return buf[:i]
		}
		_, size := utf8.DecodeRune(buf[i:])
		i += size
		n++
	}
	return buf
}

func (b *Bar) write(p []byte) {
	if b.err != nil {
		return
	}
	if _, err := b.w.Write(p); err != nil {
		b.err = fmt.Errorf("progress: %w", err)
	}
}

// Printf prints a message (a newline is added if missing) without
// garbling the live line: in Live mode it clears the line, prints the
// message and redraws the line below it. It is safe to call concurrently
// with Update, and also after Done.
func (b *Bar) Printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = b.buf[:0]
	if b.shown {
		b.buf = append(b.buf, "\r\x1b[K"...)
	}
	b.buf = fmt.Appendf(b.buf, format, args...)
	if len(b.buf) == 0 || b.buf[len(b.buf)-1] != '\n' {
		b.buf = append(b.buf, '\n')
	}
	b.write(b.buf)
	if b.shown {
		b.print(b.now())
	}
}

// Done prints the latest state if it has not been printed yet and ends the
// live line with a newline. Later calls of Done and Update do nothing.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	if b.dirty {
		b.print(b.now())
	}
	if b.shown {
		b.write([]byte{'\n'})
		b.shown = false
	}
}

// Err returns the first error writing to the Bar's writer, if any; a Bar
// stops writing after one.
func (b *Bar) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// FormatDuration formats d, rounded to the second, for a progress line:
// "42s", "4m10s", "3h12m" (minutes dropped from 1 h), "4d3h" (from 100 h).
// Negative durations format as "0s".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	case s < 100*3600:
		return fmt.Sprintf("%dh%dm", s/3600, s%3600/60)
	}
	h := s / 3600
	return fmt.Sprintf("%dd%dh", h/24, h%24)
}
