package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"time"
)

// plan holds the repetition settings of a run.
type plan struct {
	// budget is the time one side may spend on a case's timed rounds
	// (fewer rounds when calls are slow, but never below minRounds).
	budget               time.Duration
	minRounds, maxRounds int
	// minRound is the least duration of one round: fast calls are repeated
	// within a round and the round's mean per call is recorded.
	minRound time.Duration
	// skipOver, when positive, skips a PyTorch case whose estimated
	// measuring time exceeds it (-quick).
	skipOver time.Duration
	// rounds, when positive, fixes the rounds and runs one call per round
	// (tests).
	rounds int
}

func newPlan(quick bool, rounds int) plan {
	p := plan{budget: 10 * time.Second, minRounds: 5, maxRounds: 15, minRound: 50 * time.Millisecond, rounds: rounds}
	if quick {
		p = plan{budget: 2 * time.Second, minRounds: 3, maxRounds: 5, minRound: 20 * time.Millisecond,
			skipOver: 2 * time.Minute, rounds: rounds}
	}
	return p
}

// slowCall is the duration of one call above which a case runs only
// minSlowRounds rounds, and PyTorch gets no separate warm-up call when its
// estimate already ran the code (partial calls).
const (
	// busyCPU is the mean number of CPUs used by other processes above
	// which a case is flagged as measured on a busy machine.
	busyCPU = 0.2

	slowCall      = 10 * time.Second
	minSlowRounds = 3
)

// result is one measured row.
type result struct {
	Case        benchCase
	Mafc, Torch float64 // median seconds per call; NaN when missing
	// MafcMin and TorchMin are the fastest rounds (for reference).
	MafcMin, TorchMin float64
	MafcRounds        int
	TorchRounds       int
	MafcNote          string // why Mafc is missing
	TorchNote         string // "skipped: …", "skipped (est. …)", "error: …"
	TorchEst          float64
	// OtherCPU is the mean number of CPUs other processes kept busy while
	// the case ran (0 on a quiet machine).
	OtherCPU float64
}

// Ratio returns PyTorch/mafc, NaN when either is missing.
func (r result) Ratio() float64 {
	if math.IsNaN(r.Mafc) || math.IsNaN(r.Torch) || r.Mafc <= 0 {
		return math.NaN()
	}
	return r.Torch / r.Mafc
}

// torchSide is what the measurement needs of the PyTorch worker (an
// interface so that the Go side runs without Python).
type torchSide interface {
	setup(key string) (est float64, warm bool, err error)
	time(key string, n, warmup int) ([]float64, error)
	free(key string)
	pid() int // the worker's process id (0: none)
}

// median returns the median of v (NaN when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// repeats returns how many calls of duration c make a round of at least
// minRound.
func (p plan) repeats(c float64) int {
	if p.rounds > 0 || c <= 0 {
		return 1
	}
	return int(min(1000, max(1, math.Ceil(p.minRound.Seconds()/c))))
}

// roundsFor returns the number of rounds for a case whose longer side takes
// round seconds per round.
func (p plan) roundsFor(round float64) int {
	if p.rounds > 0 {
		return p.rounds
	}
	lo := p.minRounds
	if round > slowCall.Seconds() {
		lo = minSlowRounds
	}
	n := int(p.budget.Seconds() / max(round, 1e-9))
	return min(p.maxRounds, max(lo, n))
}

// measure times one case on both sides, interleaved round by round: each
// round times mafc and then PyTorch (the order alternating between rounds),
// so that machine noise hits both alike; each side reports the median over
// rounds of its mean time per call. torch may be nil (PyTorch skipped, the
// reason in torchSkip).
func measure(c benchCase, threads int, p plan, torch torchSide, torchSkip string, log io.Writer) result {
	res := result{Case: c, Mafc: math.NaN(), Torch: math.NaN(), MafcMin: math.NaN(), TorchMin: math.NaN(), TorchEst: math.NaN()}
	runtime.GC()
	side := torch // torch becomes nil when PyTorch is skipped or fails
	pid := func() int {
		if side == nil {
			return 0
		}
		return side.pid()
	}
	t0, s0 := time.Now(), snapCPU(pid())
	run, done, err := mafcRunner(c, threads)
	if err != nil {
		res.MafcNote = "error: " + err.Error()
	} else {
		defer done()
	}
	m := &caseRun{res: &res, run: run, torch: torch, key: c.Key}
	cm := m.warmMafc()
	ct := m.setupTorch(torchSkip)
	rounds := m.schedule(p, cm, ct)
	if m.torch != nil {
		defer m.torch.free(c.Key)
	}
	m.timeRounds(rounds)
	res.OtherCPU = otherCPUs(s0, snapCPU(pid()), time.Since(t0).Seconds())
	busy := ""
	if res.OtherCPU >= busyCPU {
		busy = fmt.Sprintf("  [busy machine: other processes used %.1f CPUs]", res.OtherCPU)
	}
	fmt.Fprintf(log, "mafcbench: %-22s mafc %-10s PyTorch %-10s %s  (%d rounds)%s\n", c.Key,
		cell(res.Mafc, res.MafcNote), cell(res.Torch, res.TorchNote), fmtRatio(res.Ratio()), rounds, busy)
	return res
}

// caseRun is the state of measuring one case: the sides still running
// (run or torch nil once a side is missing), the calls per round of each,
// PyTorch's pending warm-up calls and the rounds' mean times per call.
type caseRun struct {
	res    *result
	run    func() error
	torch  torchSide
	key    string
	km, kt int
	warmup int
	tm, tt []float64
}

// warmMafc makes the mafc side's warm-up call and returns its duration
// (NaN when the mafc side is missing or fails).
func (m *caseRun) warmMafc() float64 {
	cm := math.NaN()
	if m.run != nil {
		start := time.Now()
		if err := m.run(); err != nil {
			m.res.MafcNote = "error: " + err.Error()
			m.run = nil
		} else {
			cm = time.Since(start).Seconds()
		}
	}
	return cm
}

// setupTorch sets up the case on the PyTorch side and returns its estimate
// of one call (and, for full calls, warm-up), NaN when PyTorch is skipped
// (for the reason torchSkip) or fails. It sets one warm-up call when the
// estimate did not warm up and a call is not slow.
func (m *caseRun) setupTorch(torchSkip string) float64 {
	ct := math.NaN()
	if m.torch == nil {
		m.res.TorchNote = torchSkip
		return ct
	}
	est, warm, err := m.torch.setup(m.key)
	switch {
	case err != nil:
		m.res.TorchNote = "error: " + err.Error()
		m.torch = nil
	default:
		ct, m.res.TorchEst = est, est
		if !warm && est < slowCall.Seconds() {
			m.warmup = 1
		}
	}
	return ct
}

// schedule sets the calls per round of each side from the calls' durations cm
// and ct and returns the number of rounds, skipping PyTorch (-quick) when
// it would take longer than p.skipOver.
func (m *caseRun) schedule(p plan, cm, ct float64) int {
	m.km, m.kt = p.repeats(cm), p.repeats(ct)
	round := 0.0
	if !math.IsNaN(cm) {
		round = max(round, cm*float64(m.km))
	}
	if !math.IsNaN(ct) {
		round = max(round, ct*float64(m.kt))
	}
	rounds := p.roundsFor(round)
	if m.torch != nil && p.skipOver > 0 {
		if total := ct * float64(rounds*m.kt+m.warmup); total > p.skipOver.Seconds() {
			m.res.TorchNote = fmt.Sprintf("skipped (est. %s/call, %s in all)", fmtDur(ct), fmtDur(total))
			m.torch.free(m.key)
			m.torch = nil
			if !math.IsNaN(cm) {
				rounds = p.roundsFor(cm * float64(m.km))
			}
		}
	}
	return rounds
}

// timeRounds runs the timed rounds, the order of the sides alternating,
// and records each side's median and fastest round in the result.
func (m *caseRun) timeRounds(rounds int) {
	pause := func() { time.Sleep(20 * time.Millisecond) } // let the other side's threads go idle
	for r := 0; r < rounds; r++ {
		if r%2 == 0 {
			m.mafcRound()
			pause()
			m.torchRound()
		} else {
			m.torchRound()
			pause()
			m.mafcRound()
		}
		pause()
	}
	res := m.res
	if len(m.tm) > 0 && res.MafcNote == "" {
		res.Mafc, res.MafcMin, res.MafcRounds = median(m.tm), slices.Min(m.tm), len(m.tm)
	}
	if len(m.tt) > 0 && res.TorchNote == "" {
		res.Torch, res.TorchMin, res.TorchRounds = median(m.tt), slices.Min(m.tt), len(m.tt)
	}
}

// mafcRound times one round of the mafc side.
func (m *caseRun) mafcRound() {
	if m.run == nil {
		return
	}
	start := time.Now()
	for k := 0; k < m.km; k++ {
		if err := m.run(); err != nil {
			m.res.MafcNote = "error: " + err.Error()
			m.run = nil
			return
		}
	}
	m.tm = append(m.tm, time.Since(start).Seconds()/float64(m.km))
}

// torchRound times one round of the PyTorch side (with the pending warm-up
// calls).
func (m *caseRun) torchRound() {
	if m.torch == nil {
		return
	}
	ts, err := m.torch.time(m.key, m.kt, m.warmup)
	m.warmup = 0
	if err != nil {
		m.res.TorchNote = "error: " + err.Error()
		m.torch = nil
		return
	}
	s := 0.0
	for _, t := range ts {
		s += t
	}
	m.tt = append(m.tt, s/float64(len(ts)))
}

// fmtSec formats seconds for the table.
func fmtSec(s float64) string {
	switch {
	case math.IsNaN(s):
		return "–"
	case s < 1e-3:
		return fmt.Sprintf("%.0f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s < 100:
		return fmt.Sprintf("%.3g s", s)
	}
	return fmtDur(s)
}

// fmtDur formats a longer estimate: "45 s", "3m20s".
func fmtDur(s float64) string {
	if s < 60 {
		return fmt.Sprintf("%.2g s", s)
	}
	return (time.Duration(s) * time.Second).Round(time.Second).String()
}

// fmtRatio formats PyTorch/mafc.
func fmtRatio(r float64) string {
	switch {
	case math.IsNaN(r):
		return "–"
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// cell is a time, or the note when the time is missing.
func cell(s float64, note string) string {
	if note != "" && math.IsNaN(s) {
		return note
	}
	return fmtSec(s)
}
