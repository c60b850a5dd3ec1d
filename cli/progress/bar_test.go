package progress

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// lines splits the output of a Lines-mode Bar.
func lines(buf *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func fields(loss, rate float64) []Field {
	return []Field{F("loss", loss, "%.4f"), Unit("samples/s", rate, "%.1f")}
}

func newBar(buf *bytes.Buffer, total int64, mode Mode, c *fakeClock) *Bar {
	return New(buf, total, Options{Mode: mode, Now: c.Now})
}

func TestLinesMode(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 2000, Lines, c)
	// Constant 125 ms per step (exact in binary, so the ETA is exact).
	for step := int64(1); step <= 2000; step++ {
		c.Add(ms(125))
		b.Update(step, fields(-2.1234, 12.34)...)
	}
	b.Done()
	b.Done() // idempotent
	got := lines(&buf)
	// First step, then every 10 s = 80 steps, then the last step.
	require.Len(t, got, 1+2000/80, "Lines mode printed %d lines:\n%s", len(got), buf.String())
	assert.Equal(t, "step 1/2000  loss -2.1234  12.3 samples/s  ETA 4m10s", got[0], "first line") // 1999 × 0.125 s = 249.875 s
	assert.Equal(t, "step 81/2000  loss -2.1234  12.3 samples/s  ETA 4m0s", got[1], "second line")
	assert.Equal(t, "step 2000/2000  loss -2.1234  12.3 samples/s  elapsed 4m10s", got[len(got)-1], "last line")
	assert.NoError(t, b.Err(), "Err")
}

func TestLinesModeDoneFlushes(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 0, Lines, c) // unknown total: no ETA
	for step := int64(1); step <= 5; step++ {
		c.Add(time.Second)
		b.Update(step, F("nll", 1.5, ""))
	}
	require.Equal(t, []string{"step 1  nll 1.5"}, lines(&buf), "before Done")
	b.Done()
	assert.Equal(t, []string{"step 1  nll 1.5", "step 5  nll 1.5"}, lines(&buf), "Done prints the unprinted last state")
	b.Update(6)
	assert.Len(t, lines(&buf), 2, "Update after Done prints nothing")
}

func TestLiveMode(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 10, Live, c)
	c.Add(ms(50))
	b.Update(1, F("loss", 0.5, "%.2f"))
	assert.Equal(t, "\rstep 1/10  loss 0.50  ETA 0s\x1b[K", buf.String(), "first draw") // 9 × 50 ms = 0.45 s
	buf.Reset()

	c.Add(ms(50))
	b.Update(2, F("loss", 0.4, "%.2f"))
	assert.Empty(t, buf.String(), "redraw within 100 ms")
	c.Add(ms(50))
	b.Update(3, F("loss", 0.3, "%.2f"))
	assert.Equal(t, "\rstep 3/10  loss 0.30  ETA 0s\x1b[K", buf.String(), "redraw after 100 ms")
	buf.Reset()

	b.Printf("validation nll %.3f", 1.25)
	assert.Equal(t, "\r\x1b[Kvalidation nll 1.250\n\rstep 3/10  loss 0.30  ETA 0s\x1b[K", buf.String(), "Printf clears, prints, redraws")
	buf.Reset()

	c.Add(ms(10))
	b.Update(4)
	assert.Empty(t, buf.String(), "redraw within 100 ms of Printf")
	b.Done()
	assert.Equal(t, "\rstep 4/10  ETA 0s\x1b[K\n", buf.String(), "Done draws the latest state and ends the line")
	buf.Reset()
	b.Printf("after")
	assert.Equal(t, "after\n", buf.String(), "Printf after Done")
}

func TestLiveModeLastStepAndWidth(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := New(&buf, 3, Options{Mode: Live, Now: c.Now, Width: 12})
	b.Update(1)
	b.Update(2)
	b.Update(3)
	b.Update(3)
	// The clock stands still, so τ = 0 and the ETA is 0s.
	assert.Equal(t, "\rstep 1/3  E\x1b[K\rstep 3/3  e\x1b[K", buf.String(), "first and last step drawn once each, cut to 11 characters")
	b.Done()
	assert.Equal(t, "\rstep 1/3  E\x1b[K\rstep 3/3  e\x1b[K\n", buf.String(), "Done after the last step only ends the line")
}

func TestETAMovingAverage(t *testing.T) {
	c := newClock()
	b := New(&bytes.Buffer{}, 100, Options{Mode: Lines, Now: c.Now, Smoothing: 0.5})
	c.Add(time.Second)
	b.Update(1)
	assert.Equal(t, 1.0, b.tau, "τ after the first step is its duration")
	c.Add(3 * time.Second)
	b.Update(2)
	assert.Equal(t, 2.0, b.tau, "τ = 0.5·3 + 0.5·1")

	// k steps at once equal k single steps of the same duration.
	one := New(&bytes.Buffer{}, 100, Options{Mode: Lines, Now: c.Now, Smoothing: 0.2, Start: 10})
	many := New(&bytes.Buffer{}, 100, Options{Mode: Lines, Now: c.Now, Smoothing: 0.2, Start: 10})
	c.Add(time.Second)
	one.Update(11)
	many.Update(11)
	for step := int64(12); step <= 14; step++ {
		c.Add(2 * time.Second)
		one.Update(step)
	}
	many.Update(14)
	// Tolerance: a few roundings of numbers near 1, from Pow against repeated products.
	const tol = 1e-12
	assert.InDelta(t, one.tau, many.tau, tol, "τ after 3 single steps = %v, after one 3-step update = %v", one.tau, many.tau)

	// A step going backwards restarts the measurement, not the average.
	before := b.tau
	c.Add(time.Hour)
	b.Update(1)
	assert.Equal(t, before, b.tau, "τ after a backward step")
	c.Add(2 * time.Second)
	b.Update(2)
	assert.Equal(t, 2.0, b.tau, "τ = 0.5·2 + 0.5·2 after the restart")
}

func TestResumeStart(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := New(&buf, 2000, Options{Mode: Lines, Now: c.Now, Start: 1000})
	c.Add(10 * time.Second)
	b.Update(1010)
	assert.Equal(t, "step 1010/2000  ETA 16m30s\n", buf.String(), "rate measured from Options.Start") // 990 × 1 s
}

func TestFormatDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{1499 * time.Millisecond, "1s"},
		{42 * time.Second, "42s"},
		{250 * time.Second, "4m10s"},
		{3*time.Hour + 12*time.Minute + 59*time.Second, "3h12m"},
		{100 * time.Hour, "4d4h"},
		{time.Duration(math.MaxInt64), "106751d23h"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, FormatDuration(c.d), "FormatDuration(%v)", c.d)
	}
}

func TestAutoMode(t *testing.T) {
	assert.False(t, New(&bytes.Buffer{}, 1, Options{}).live, "Auto on a bytes.Buffer is Lines")
	f, err := os.CreateTemp(t.TempDir(), "log")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, New(f, 1, Options{}).live, "Auto on a regular file is Lines")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	assert.False(t, isTerminal(null), "isTerminal(%s): a character device, not a terminal", os.DevNull)

	// A pseudo-terminal is a terminal.
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer ptmx.Close()
	fd := int(ptmx.Fd())
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0), "unlockpt")
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	require.NoError(t, err, "ptsname")
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err, "open the pty")
	defer pts.Close()
	require.NoError(t, unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 33}))
	t.Setenv("TERM", "xterm")
	b := New(pts, 1, Options{})
	assert.True(t, b.live, "Auto on a pty is Live")
	assert.Equal(t, 33, b.width, "width from the pty's window size")
	t.Setenv("TERM", "dumb")
	assert.False(t, New(pts, 1, Options{}).live, "Auto on a pty with TERM=dumb is Lines")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteError(t *testing.T) {
	b := New(failWriter{}, 1, Options{Mode: Lines})
	b.Update(1)
	b.Printf("x")
	assert.ErrorIs(t, b.Err(), os.ErrClosed, "Err after a failed write")
	assert.Contains(t, b.Err().Error(), "progress: ", "Err prefix")
}

func TestUnknownModePanics(t *testing.T) {
	assert.PanicsWithValue(t, "progress: unknown Mode", func() { New(&bytes.Buffer{}, 1, Options{Mode: 7}) }, "New with Mode 7")
}

// TestConcurrent is for the race detector: Update, Printf and Metrics.Write
// from several goroutines.
func TestConcurrent(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, 1000, Options{Mode: Live, Redraw: time.Nanosecond})
	m, err := CreateMetrics(t.TempDir() + "/m.jsonl")
	require.NoError(t, err)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 100 {
				b.Update(int64(100*g+i), F("g", float64(g), ""))
				b.Printf("g%d i%d", g, i)
				assert.NoError(t, m.Write(Row{F(StepColumn, float64(i), "")}))
			}
		}()
	}
	for range 4 {
		<-done
	}
	b.Done()
	require.NoError(t, m.Close())
	assert.NoError(t, b.Err(), "Err")
	assert.Equal(t, 400, strings.Count(buf.String(), "\x1b[Kg"), "every Printf message follows a line clear")
}
