package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	b := "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\n"
	want := `--- want
+++ got
@@ -1,6 +1,6 @@
 a
 b
-c
+C
 d
 e
 f
@@ -8,3 +8,4 @@
 h
 i
 j
+k
`
	assert.Equal(t, want, Diff("want", "got", []byte(a), []byte(b)), "Diff(%q, %q)", a, b)
	assert.Empty(t, Diff("x", "y", []byte(a), []byte(a)), "Diff of equal texts")
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic("Fatalf")
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	require.NoError(t, os.WriteFile(path, []byte("one\ntwo\n"), 0o644))

	var r recorder
	Check(&r, path, []byte("one\ntwo\n"))
	assert.Empty(t, r.errors, "Check of equal output")

	Check(&r, path, []byte("one\n2\n"))
	if assert.Len(t, r.errors, 1, "Check of different output") {
		assert.Contains(t, r.errors[0], "-two\n+2\n", "the failure shows a diff")
		assert.Contains(t, r.errors[0], "go test ./internal/golden -update", "the failure says how to accept")
	}

	r.errors = nil
	Check(&r, filepath.Join(t.TempDir(), "missing.golden"), []byte("x"))
	if assert.Len(t, r.errors, 1, "Check against a missing file") {
		assert.Contains(t, r.errors[0], "to create it")
	}
}

func TestCheckUpdate(t *testing.T) {
	*update = true
	t.Cleanup(func() { *update = false })
	path := filepath.Join(t.TempDir(), "new", "out.golden")
	var r recorder
	Check(&r, path, []byte("fresh\n"))
	assert.Empty(t, r.errors)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "fresh\n", string(got), "-update writes the output")
}
