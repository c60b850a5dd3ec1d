package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/golden"
)

func TestGrammarGolden(t *testing.T) {
	golden.Check(t, "testdata/grammar.ebnf.golden", []byte(Grammar()+"\n"))
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
			golden.Check(t, filepath.Join("testdata", "ir", base+".ir.golden"), []byte(p.Dump()))
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
