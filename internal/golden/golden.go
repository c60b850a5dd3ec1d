// Package golden compares the output of tests with golden files, the
// expected output checked in beside them, and reports a difference as a
// unified diff.
//
// Under go test -update, [Check] writes the output to the golden file
// instead of comparing, so that a deliberate change is accepted by running
// the tests once with the flag and reviewing the diff of the golden files.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hexops/gotextdiff"
	"github.com/hexops/gotextdiff/myers"
	"github.com/hexops/gotextdiff/span"
)

var update = flag.Bool("update", false, "rewrite the golden files with the tests' output instead of comparing")

// Check compares got with the golden file at path (relative to the test's
// directory). Under -update it writes got to path instead, creating the
// directory. A missing or different file fails t, without stopping it,
// with a unified diff from the file to got and the command that accepts
// got.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("updating golden file: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("updating golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("reading golden file: %v (run %s to create it)", err, updateCommand())
		return
	}
	if d := Diff(path, "got", want, got); d != "" {
		t.Errorf("output differs from %s (run %s to accept it):\n%s", path, updateCommand(), d)
	}
}

// Diff returns a unified diff (three lines of context) from want, named
// wantName, to got, named gotName; it is empty when the two are equal.
func Diff(wantName, gotName string, want, got []byte) string {
	if string(want) == string(got) {
		return ""
	}
	edits := myers.ComputeEdits(span.URIFromPath(wantName), string(want), string(got))
	return fmt.Sprint(gotextdiff.ToUnified(wantName, gotName, string(want), edits))
}

// updateCommand returns the go test command that rewrites the golden files
// of the package under test, such as "go test ./dsl -update".
func updateCommand() string {
	dir, err := os.Getwd()
	if err != nil {
		return "go test -update"
	}
	for root := dir; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			if rel, err := filepath.Rel(root, dir); err == nil {
				return "go test ./" + filepath.ToSlash(rel) + " -update"
			}
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			break
		}
		root = parent
	}
	return "go test -update"
}
