package dsl

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mafc-dev/mafc/ir"
)

// fuzzDeadline bounds one Parse or Compile call. The largest inputs the
// fuzzer builds take milliseconds; a call that takes seconds has hit
// something proportional to a declared size, or backtracking.
const fuzzDeadline = 5 * time.Second

// seedFiles returns the contents of every spec the fuzz targets start from:
// the repository's end-to-end specs, the error fixtures and the formatter's
// messy inputs.
func seedFiles(tb testing.TB) [][]byte {
	tb.Helper()
	var names []string
	for _, glob := range []string{"../testdata/*.maf", "testdata/errors/*.maf", "testdata/format/*.maf"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			tb.Fatalf("filepath.Glob(%q): %v", glob, err)
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	if len(names) == 0 {
		tb.Fatal("no seed specs found")
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatalf("os.ReadFile(%q): %v", n, err)
		}
		out = append(out, b)
	}
	return out
}

// checkErrorList checks the form of an error returned by Parse, Check or
// Compile: an ErrorList, sorted, each error in the file.
func checkErrorList(t *testing.T, call string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("%s returned %T (%v), want an ErrorList", call, err, err)
	}
	if len(list) == 0 {
		t.Fatalf("%s returned an empty ErrorList", call)
	}
	if !sort.IsSorted(list) {
		t.Errorf("%s returned unsorted errors:\n%v", call, list)
	}
	for _, e := range list {
		if e.Pos.Filename != "fuzz.maf" {
			t.Errorf("%s: error %q has file %q, want %q", call, e.Msg, e.Pos.Filename, "fuzz.maf")
		}
		if e.Msg == "" {
			t.Errorf("%s: error at %v has no message", call, e.Pos)
		}
	}
}

func timed(t *testing.T, call string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > fuzzDeadline {
		t.Errorf("%s took %v, want at most %v", call, d, fuzzDeadline)
	}
}

// FuzzParse checks that Parse never panics or hangs, returns well-formed
// errors, and that every file it accepts formats to a file that parses,
// formats to itself, and compiles as the original does.
func FuzzParse(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var (
			file *File
			err  error
		)
		timed(t, "Parse", func() { file, err = Parse("fuzz.maf", src) })
		if err != nil {
			checkErrorList(t, "Parse", err)
			return
		}
		var out []byte
		timed(t, "Format", func() { out, err = Format(file, src) })
		if err != nil {
			t.Fatalf("Format(Parse(%q)) failed: %v", src, err)
		}
		checkFormatted(t, src, out)
	})
}

// FuzzCompile checks that Compile never panics or hangs and that it
// returns either a program that passes Verify or a well-formed ErrorList.
func FuzzCompile(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var (
			p   *ir.Program
			err error
		)
		timed(t, "Compile", func() { p, err = Compile("fuzz.maf", src) })
		if err != nil {
			checkErrorList(t, "Compile", err)
			return
		}
		if verr := p.Verify(); verr != nil {
			t.Errorf("Compile(%q) = a program that fails Verify: %v", src, verr)
		}
		_ = p.Dump()
	})
}
