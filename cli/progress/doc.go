// Package progress reports a long training run while it happens: a
// progress line with an ETA ([Bar]) and a metrics file that survives the
// run being killed and resumed ([Metrics]).
//
// # Bar
//
// A [Bar] prints the step, the caller's [Field]s and an estimate of the time
// left:
//
//	step 120/2000  loss -2.1234  12.3 samples/s  ETA 4m10s
//
// On a terminal it keeps a single line, redrawn in place ("\r", the line,
// then the ANSI clear-to-end-of-line "\x1b[K") at most every 100 ms. Written
// anywhere else, for example to a log file or a pipe, it prints that line as
// a plain log line at most every 10 s, and always at the first and the last
// step. [Bar.Printf] prints a message without garbling the live line.
//
// The ETA is (total − step) × τ, where τ, the time per step, is an
// exponential moving average of the measured step durations: after an
// update that advances k steps in time Δt,
//
//	τ ← a·(Δt/k) + (1 − a)·τ,  a = 1 − (1 − α)^k,
//
// which is the same as k single-step updates with weight α
// ([Options.Smoothing], 0.1 by default) each taking Δt/k.
//
// # Metrics
//
// [Metrics] appends one row per call to a .csv or .jsonl file and hands each
// row to the operating system before returning, so a killed run keeps every
// row it wrote. For a resumed run, [Metrics.TruncateAfter] drops the rows
// logged after the checkpoint's step, so that none are duplicated.
//
// A CSV file starts with a header that the first row fixes; JSONL rows are
// objects whose keys may vary. Values are float64, written in the shortest
// form that reads back exactly (strconv 'g', −1). CSV writes non-finite
// values as NaN, +Inf and -Inf; JSONL, which has no such numbers, writes the
// strings "NaN", "+Inf" and "-Inf".
package progress
