package dsl

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/golden"
)

// posRE matches the positions in an IR dump or an error message: node
// positions "@12:5" and file positions "name.maf:12:5".
var posRE = regexp.MustCompile(`@\d+:\d+|[^\s"]*:\d+:\d+`)

func stripPositions(s string) string { return posRE.ReplaceAllString(s, "POS") }

// compileSummary compiles src and returns its IR dump, or its error messages
// sorted, with positions stripped: what formatting must not change.
func compileSummary(name string, src []byte) string {
	p, err := Compile(name, src)
	if err != nil {
		msgs := strings.Split(stripPositions(err.Error()), "\n")
		sort.Strings(msgs)
		return "errors:\n" + strings.Join(msgs, "\n")
	}
	return p.Dump()
}

// checkFormatted checks that out, the formatted src, parses, formats to
// itself, and compiles to the same IR (or the same errors) as src, up to
// positions.
func checkFormatted(t *testing.T, src, out []byte) {
	t.Helper()
	f2, err := Parse("fmt.maf", out)
	require.NoError(t, err, "Parse(Format(src)) failed\nsrc:\n%s\nformatted:\n%s", src, out)
	out2, err := Format(f2, out)
	require.NoError(t, err, "Format(Format(src)) failed\nsrc:\n%s\nformatted:\n%s", src, out)
	require.Equal(t, string(out), string(out2), "Format is not idempotent: Format(Format(src)) != Format(src)\nsrc:\n%s", src)
	require.Equal(t, stripPositions(compileSummary("fmt.maf", src)), stripPositions(compileSummary("fmt.maf", out)),
		"Compile(Format(src)) differs from Compile(src) beyond positions\nsrc:\n%s\nformatted:\n%s", src, out)
}

func TestFormatTestdata(t *testing.T) {
	formatEach(t, "../testdata/*.maf", func(t *testing.T, name string, src, out []byte) {
		p1, err := Compile(name, src)
		require.NoError(t, err, "Compile(%q)", name)
		p2, err := Compile(name, out)
		require.NoError(t, err, "Compile(Format(%q))", name)
		assert.Equal(t, p1.Hash(), p2.Hash(), "Hash of Compile(Format(%q)), want Hash of Compile(%q)", name, name)
		assert.Equal(t, p1.Train, p2.Train, "training settings of Format(%q) differ", name)
		assert.Equal(t, p1.Flow.Integrator, p2.Flow.Integrator, "flow of Format(%q) differs", name)
		assert.Equal(t, p1.Flow.Steps, p2.Flow.Steps, "flow of Format(%q) differs", name)
		assert.Equal(t, p1.Flow.Dt, p2.Flow.Dt, "flow of Format(%q) differs", name)
		// Docs survive formatting.
		assert.Equal(t, p1.Doc, p2.Doc, "model doc of Format(%q)", name)
		for i, n := range p1.Nodes {
			assert.Equal(t, n.Doc, p2.Nodes[i].Doc, "doc of node %s in Format(%q)", n.Name, name)
		}
	})
}

// formatEach formats every file matching pattern in a subtest, checks the
// result with checkFormatted, then calls check with the source and the
// formatted text.
func formatEach(t *testing.T, pattern string, check func(t *testing.T, name string, src, out []byte)) {
	names, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, names, "no specs match %s", pattern)
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			out, err := FormatSource(name, src)
			require.NoError(t, err, "FormatSource(%q)", name)
			checkFormatted(t, src, out)
			check(t, name, src, out)
		})
	}
}

// canonicalCases are messy inputs with their exact formatted output.
var canonicalCases = []struct {
	name, src, want string
}{
	{
		name: "spacing and semicolons",
		src: "model   a input x :vector( 3 )\npotential{h=softplus(dense(x,4,bias=false));phi=dense(h,1)+0.5*sum(quadratic(x));}\n" +
			"train{optimizer=adam(lr=1e-3,betas=(0.9,0.999),);objective=likelihood(moons)}",
		want: `model a

input x: vector(3)

potential {
    h = softplus(dense(x, 4, bias = false))
    phi = dense(h, 1) + 0.5 * sum(quadratic(x))
}

train {
    optimizer = adam(lr = 1e-3, betas = (0.9, 0.999))
    objective = likelihood(moons)
}
`,
	},
	{
		name: "comments",
		src: `// header comment

/// The model.
model a // trailing
/* block */ input x: vector(3)
potential {
    // before h


    /// Doc of h.
    h = softplus(dense(x, /* width */ 4)) // after h
    phi = dense(h,
        1) // after phi
    // end of block
}
flow { // trailing brace
}
// end of file
`,
		want: `// header comment

/// The model.
model a // trailing

/* block */ input x: vector(3)

potential {
    // before h

    /// Doc of h.
    h = softplus(dense(x, /* width */ 4)) // after h
    phi = dense(h, 1) // after phi
    // end of block
}

flow { // trailing brace
}
// end of file
`,
	},
	{
		name: "line comment inside a call keeps its line break",
		src: `model a
train {
    optimizer = adam(lr = 1e-3, // learning rate
      betas = (0.9, 0.999))
}
`,
		want: `model a

train {
    optimizer = adam(lr = 1e-3, // learning rate
        betas = (0.9, 0.999))
}
`,
	},
	{
		name: "empty blocks, lists, negation and numbers as written",
		src:  "model a\nflow {}\ntrain { x = [ 1,2 , ] ; y = - 1.50E+3 ; z = -(-x) - -2 }\n\n\n",
		want: `model a

flow {}

train {
    x = [1, 2]
    y = -1.50E+3
    z = -(-x) - -2
}
`,
	},
	{
		name: "windows line endings",
		src:  "model a // c\r\ninput x: vector(3)\r\n",
		want: "model a // c\n\ninput x: vector(3)\n",
	},
}

// TestFormatCanonical checks the exact output for messy inputs.
func TestFormatCanonical(t *testing.T) {
	for _, tc := range canonicalCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FormatSource("a.maf", []byte(tc.src))
			require.NoError(t, err, "FormatSource(%q)", tc.src)
			assert.Equal(t, tc.want, string(got), "FormatSource(%q)", tc.src)
			checkFormatted(t, []byte(tc.src), got)
		})
	}
}

// TestFormatMessy formats the messy variants in testdata/format: each must
// format idempotently to a file that compiles as the original does.
func TestFormatMessy(t *testing.T) {
	formatEach(t, "testdata/format/*.maf", func(t *testing.T, name string, _, out []byte) {
		golden.Check(t, strings.TrimSuffix(name, ".maf")+".golden", out)
	})
}

func TestFormatErrors(t *testing.T) {
	_, err := Format(nil, nil)
	assert.ErrorContains(t, err, "nil File", "Format(nil, nil)")

	src := []byte("model a\ninput x: vector(3\npotential { phi = sum(x) }\n")
	f, perr := Parse("bad.maf", src)
	require.Error(t, perr, "Parse(%q)", src)
	out, err := Format(f, src)
	assert.Nil(t, out, "Format of a file that does not parse")
	assert.ErrorContains(t, err, "did not parse", "Format of a file that does not parse")

	out, err = FormatSource("bad.maf", src)
	assert.Nil(t, out, "FormatSource(%q)", src)
	assert.ErrorContains(t, err, "bad.maf:3:1: unexpected token", "FormatSource(%q)", src)

	// A File with a src that is not its source.
	good := []byte("model a\ninput x: vector(3)\n")
	f, err = Parse("a.maf", good)
	require.NoError(t, err)
	for _, other := range []string{"model b\ninput x: vector(3)\n", "model a\n", "model a\ninput x: vector(3)\nflow {}\n"} {
		out, err = Format(f, []byte(other))
		assert.Nil(t, out, "Format(Parse(%q), %q)", good, other)
		assert.ErrorContains(t, err, "not the source", "Format(Parse(%q), %q)", good, other)
	}
}

// TestRepositorySpecsCanonical checks that the specs the repository ships
// (its test specs, study specs and examples) are in the form mafc fmt
// writes, so that a user who formats a copy sees no changes of ours.
func TestRepositorySpecsCanonical(t *testing.T) {
	for _, pattern := range []string{"../testdata/*.maf", "../testdata/experiments/*.maf", "../examples/*.maf"} {
		names, err := filepath.Glob(pattern)
		require.NoError(t, err)
		require.NotEmpty(t, names, "no specs match %s", pattern)
		for _, name := range names {
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			out, err := FormatSource(name, src)
			require.NoError(t, err, "FormatSource(%q)", name)
			assert.Equal(t, string(src), string(out), "%s is not in canonical form: run mafc fmt -w %s", name, name)
		}
	}
}
