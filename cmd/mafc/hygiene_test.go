package main

import (
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/gocheck"
)

// hostileSpec is a valid spec whose model doc, input doc and node doc are
// doc.
func hostileSpec(doc string) string {
	return "/// " + doc + "\nmodel evil\n/// " + doc + "\ninput x: vector(3)\npotential {\n    /// " + doc +
		"\n    h = tanh(dense(x, 4))\n    phi = dense(h, 1)\n}\n"
}

// codeGenerated is the regexp go generate and linters use to recognise
// generated files.
var codeGenerated = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

// TestGenHostile runs mafc gen on specs whose docs or file name try to
// escape from the generated comments: a //go:generate line (which go
// generate would run), code after /**/ (which would run when the package
// is built), an unclosed /* (which broke mafc gen), build constraints,
// invisible characters, and a file name with a newline and */. Each either
// generates clean files or fails with a positioned error.
func TestGenHostile(t *testing.T) {
	for _, tc := range []struct {
		name, file, doc string
		errAt           string // "" when gen must succeed
	}{
		{"go:generate", "evil.maf", "//go:generate touch pwned", ""},
		{"code after /**/", "evil.maf", `/**/ }; func init() { panic("pwned") }; var _ = func() {`, ""},
		{"open block comment", "evil.maf", "/* unclosed", ""},
		{"close block comment", "evil.maf", "*/ func init() {}", ""},
		{"build constraint", "evil.maf", "+build ignore", ""},
		{"go:build", "evil.maf", "go:build never", ""},
		{"line directive", "evil.maf", "//line other.go:1", ""},
		{"cgo preamble", "evil.maf", `#include <stdlib.h>`, ""},
		{"bidi override", "evil.maf", "x \u202e}; func init() {", "evil.maf:1:7: bidirectional control character"},
		{"zero-width space", "evil.maf", "a\u200bb", "evil.maf:1:6: invisible character"},
		{"line separator", "evil.maf", "a\u2028//go:generate x", "evil.maf:1:6: Unicode line separator"},
		// A file name cannot hold "*/" or "/*" (the slash separates
		// directories, and only the base name reaches the generated code);
		// newlines and code it can. The codegen tests cover "*/" in
		// ir.Program.File.
		{"newline in the file name", "evil\n}; func init() { panic(1) }; var x = *y\r.maf", "doc", ""},
		{"directive in the file name", "go:generate x.maf", "doc", ""},
		{"build constraint in the file name", "+build ignore.maf", "doc", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, tc.file)
			require.NoError(t, os.WriteFile(spec, []byte(hostileSpec(tc.doc)), 0o644))
			code, _, stderr := mafc(t, "gen", "-o", dir, spec)
			if tc.errAt != "" {
				require.Equal(t, 1, code, stderr)
				require.Contains(t, stderr, tc.errAt)
				_, err := os.Stat(filepath.Join(dir, "evil.maf.go"))
				require.True(t, os.IsNotExist(err), "a rejected spec left a generated file")
				return
			}
			require.Equal(t, 0, code, stderr)
			// The same spec with a harmless doc and file name declares the same.
			ref := filepath.Join(t.TempDir(), "evil.maf")
			require.NoError(t, os.WriteFile(ref, []byte(hostileSpec("doc")), 0o644))
			code, _, stderr = mafc(t, "gen", ref)
			require.Equal(t, 0, code, stderr)
			for _, name := range []string{"evil.maf.go", "evil.maf_test.go"} {
				src, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				f, err := gocheck.Audit(token.NewFileSet(), name, src)
				require.NoError(t, err, "%s:\n%s", name, src)
				first, _, _ := strings.Cut(string(src), "\n")
				require.Regexp(t, codeGenerated, first)
				refSrc, err := os.ReadFile(filepath.Join(filepath.Dir(ref), name))
				require.NoError(t, err)
				rf, err := gocheck.Audit(token.NewFileSet(), name, refSrc)
				require.NoError(t, err)
				require.Equal(t, gocheck.Decls(rf), gocheck.Decls(f), "%s declares more or less than with a harmless doc", name)
			}
		})
	}
}

// TestGenPkgFlag checks that -pkg names a Go package, and names the flag
// when it does not.
func TestGenPkgFlag(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "m.maf")
	require.NoError(t, os.WriteFile(spec, []byte("model m\ninput x: vector(2)\npotential {\n    phi = dense(tanh(dense(x, 2)), 1)\n}\n"), 0o644))
	for _, bad := range []string{"main", "_", "func", "len", "Foo", "a_b", "9x", "x; func init() {}", "x\ny", "runtime"} {
		code, _, stderr := mafc(t, "gen", "-o", dir, "-pkg", bad, spec)
		require.Equal(t, 2, code, "-pkg %q: %s", bad, stderr)
		require.Contains(t, stderr, "-pkg", "-pkg %q", bad)
	}
	_, err := os.Stat(filepath.Join(dir, "m.maf.go"))
	require.True(t, os.IsNotExist(err), "a bad -pkg wrote files")
	code, _, stderr := mafc(t, "gen", "-o", dir, "-pkg", "mypot", spec)
	require.Equal(t, 0, code, stderr)
	src, err := os.ReadFile(filepath.Join(dir, "m.maf.go"))
	require.NoError(t, err)
	require.Contains(t, string(src), "\npackage mypot\n")
}

// TestCheckGoNameClash: h and H_ both give sizeHDense (and sizeH) in
// generated code; mafc check reports it with both positions.
func TestCheckGoNameClash(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "clash.maf")
	require.NoError(t, os.WriteFile(spec, []byte("model clash\ninput x: vector(3)\npotential {\n    h = tanh(dense(x, 3))\n    H_ = tanh(dense(x, 3))\n    phi = dense(h + H_, 1)\n}\n"), 0o644))
	code, _, stderr := mafc(t, "check", spec)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, spec+`:5:5: name "H_" clashes with name "h" (at `+spec+`:4:5)`)
	require.Contains(t, stderr, "sizeHDense")
}

// TestSaveBroken checks the .broken file: written whole, replacing a
// symbolic link instead of writing through it, and not at all when there
// is nothing to save.
func TestSaveBroken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.maf.go.broken")
	var e strings.Builder

	saveBroken(dir, "m", []byte("package m\nfunc {"), &e)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "package m\nfunc {", string(got))
	require.Contains(t, e.String(), "the unformatted output is in "+path)

	// A symlink at the path, pointing at a file that must not change.
	require.NoError(t, os.Remove(path))
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	require.NoError(t, os.Symlink(victim, path))
	e.Reset()
	saveBroken(dir, "m", []byte("broken"), &e)
	v, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.Equal(t, "precious", string(v), "the symlink's target was written")
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	require.True(t, fi.Mode().IsRegular(), "the symlink was not replaced by a file")
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "broken", string(got))

	// Nothing to save: no file, and stderr says so.
	dir2 := t.TempDir()
	e.Reset()
	saveBroken(dir2, "m", nil, &e)
	entries, err := os.ReadDir(dir2)
	require.NoError(t, err)
	require.Empty(t, entries, "an empty .broken file (or a temporary) was left")
	require.Contains(t, e.String(), "no .broken file written")
}
