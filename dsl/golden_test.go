package dsl

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "update golden files")

// compareGolden compares got with the golden file, or rewrites the file
// under -update. A mismatch prints a unified diff from the golden file to
// got.
func compareGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644), "writing %s", golden)
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "reading golden file (run go test ./dsl -update to create it)")
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run go test ./dsl -update to accept):\n%s", golden,
			unifiedDiff(golden, "got", string(want), string(got)))
	}
}

func TestGrammarGolden(t *testing.T) {
	compareGolden(t, "testdata/grammar.ebnf.golden", []byte(Grammar()+"\n"))
}

// TestIRGolden compiles every spec of the repository and compares its IR
// dump with testdata/ir/<name>.ir.golden.
func TestIRGolden(t *testing.T) {
	names, err := filepath.Glob("../testdata/*.maf")
	require.NoError(t, err)
	require.NotEmpty(t, names, "no specs in ../testdata")
	for _, name := range names {
		base := strings.TrimSuffix(filepath.Base(name), ".maf")
		t.Run(base, func(t *testing.T) {
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			// The name as the other packages' tests see it, so that the
			// positions in the dump do not depend on this package's path.
			p, err := Compile(base+".maf", src)
			require.NoError(t, err, "Compile(%q)", name)
			compareGolden(t, filepath.Join("testdata", "ir", base+".ir.golden"), []byte(p.Dump()))
		})
	}
}

// TestDocGrammar checks that the EBNF in the package documentation is the
// grammar Parse uses.
func TestDocGrammar(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var indented []string
	for _, line := range strings.Split(Grammar(), "\n") {
		indented = append(indented, "//\t"+line)
	}
	require.Contains(t, string(doc), strings.Join(indented, "\n")+"\n",
		"doc.go does not hold the grammar as Grammar() prints it; copy testdata/grammar.ebnf.golden into its # Grammar section, each line as //<TAB>line")
}

// unifiedDiff returns a unified diff (three lines of context) from a to b.
func unifiedDiff(nameA, nameB, a, b string) string {
	x, y := splitLines(a), splitLines(b)
	// Longest common subsequence by dynamic programming: the files compared
	// here are at most a few hundred lines.
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type edit struct {
		op   byte // ' ', '-' or '+'
		line string
		i, j int // lines before this edit in a and b
	}
	var edits []edit
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			edits = append(edits, edit{' ', x[i], i, j})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			edits = append(edits, edit{'-', x[i], i, j})
			i++
		default:
			edits = append(edits, edit{'+', y[j], i, j})
			j++
		}
	}
	const context = 3
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	for k := 0; k < len(edits); {
		if edits[k].op == ' ' {
			k++
			continue
		}
		// A hunk runs from context lines before the first change to context
		// lines after the last change that is no more than 2·context lines
		// from the next.
		start := max(0, k-context)
		end := k
		for end < len(edits) {
			if edits[end].op != ' ' {
				end++
				continue
			}
			run := end
			for run < len(edits) && edits[run].op == ' ' {
				run++
			}
			if run == len(edits) || run-end > 2*context {
				end = min(end+context, len(edits))
				break
			}
			end = run
		}
		na, nb := 0, 0
		for _, e := range edits[start:end] {
			if e.op != '+' {
				na++
			}
			if e.op != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", edits[start].i+1, na, edits[start].j+1, nb)
		for _, e := range edits[start:end] {
			fmt.Fprintf(&out, "%c%s\n", e.op, e.line)
		}
		k = end
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestDocExamples compiles every spec in the package documentation (each
// tab-indented block with a potential block) and checks that it is in
// canonical form.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var blocks []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		}
		cur = nil
	}
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "//\t"):
			cur = append(cur, strings.TrimPrefix(line, "//\t"))
		case line == "//" && len(cur) > 0:
			cur = append(cur, "")
		default:
			flush()
		}
	}
	flush()
	n := 0
	for _, b := range blocks {
		if !strings.Contains(b, "potential {\n") || !strings.Contains(b, "model ") {
			continue // not a whole spec
		}
		n++
		_, err := Compile("doc.maf", []byte(b))
		assert.NoError(t, err, "Compile of the example in doc.go:\n%s", b)
		out, err := FormatSource("doc.maf", []byte(b))
		if assert.NoError(t, err, "FormatSource of the example in doc.go:\n%s", b) {
			assert.Equal(t, strings.TrimRight(b, "\n")+"\n", string(out), "the example in doc.go is not in canonical form")
		}
	}
	assert.GreaterOrEqual(t, n, 4, "examples found in doc.go")
}

func TestUnifiedDiff(t *testing.T) {
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
	assert.Equal(t, want, unifiedDiff("want", "got", a, b), "unifiedDiff(%q, %q)", a, b)
	assert.Equal(t, "--- x\n+++ y\n", unifiedDiff("x", "y", a, a), "unifiedDiff of equal texts")
}
