package dsl

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/ir"
)

// expectation is one `ERROR "regexp"` annotation of an error fixture.
type expectation struct {
	line    int
	rx      *regexp.Regexp
	matched bool
}

// errorRE matches an annotation: ERROR followed by a pattern in double
// quotes, in which \" stands for a double quote and every other backslash
// is the regexp's own (so `\(` matches a parenthesis).
var errorRE = regexp.MustCompile(`ERROR "((?:[^"\\]|\\.)*)"`)

// expectations returns the annotations in the // comments of src, by line.
// A line may carry several.
func expectations(t *testing.T, src []byte) []*expectation {
	t.Helper()
	var out []*expectation
	for i, line := range strings.Split(string(src), "\n") {
		c := strings.Index(line, "//")
		if c < 0 {
			continue
		}
		for _, m := range errorRE.FindAllStringSubmatch(line[c:], -1) {
			rx, err := regexp.Compile(strings.ReplaceAll(m[1], `\"`, `"`))
			require.NoError(t, err, "line %d: bad ERROR pattern %q", i+1, m[1])
			out = append(out, &expectation{line: i + 1, rx: rx})
		}
	}
	return out
}

// TestErrorFixtures parses and checks every testdata/errors/*.maf and
// matches the errors, by line, against the file's ERROR annotations (in the
// manner of go/types' check_test.go). It fails on an error that no
// annotation of its line expects and on an annotation that no error matches.
func TestErrorFixtures(t *testing.T) {
	names, err := filepath.Glob("testdata/errors/*.maf")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(names), 30, "want at least 30 error fixtures")
	for _, name := range names {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".maf"), func(t *testing.T) {
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			want := expectations(t, src)
			require.NotEmpty(t, want, "%s has no ERROR annotations", name)

			_, err = Compile(name, src)
			require.Error(t, err, "Compile(%q) succeeded, want errors", name)
			var list ErrorList
			require.True(t, errors.As(err, &list), "Compile(%q) returned %T, want ErrorList", name, err)
			for _, e := range list {
				assert.Equal(t, name, e.Pos.Filename, "file of error %q", e.Msg)
				found := false
				for _, x := range want {
					if !x.matched && x.line == e.Pos.Line && x.rx.MatchString(e.Msg) {
						x.matched, found = true, true
						break
					}
				}
				if !found {
					t.Errorf("unexpected error: %v", e)
				}
			}
			for _, x := range want {
				if !x.matched {
					t.Errorf("%s:%d: missing error matching %q", name, x.line, x.rx)
				}
			}
		})
	}
}

// TestLexicalErrors covers inputs that cannot carry an ERROR comment.
func TestLexicalErrors(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	for i := range big {
		big[i] = ' '
	}
	for _, tc := range []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"empty file", "", 1, 1, "empty spec: want at least `model NAME`"},
		{"whitespace only", " \n\t\r\n  \n", 1, 1, "empty spec"},
		{"comments only", "// a comment\n/// a doc comment\n/* a block\ncomment */\n", 1, 1, "empty spec"},
		{"NUL byte", "model a\ninput x: vec\x00tor(3)\n", 2, 13, "file looks binary (NUL byte): a .maf spec is UTF-8 text"},
		{"binary junk", "\x7fELF\x02\x01\x01\x00\x00\x00", 1, 8, "file looks binary (NUL byte)"},
		{"invalid UTF-8", "model a\n// caf\xe9\n", 2, 7, "invalid UTF-8 encoding: a .maf spec must be UTF-8 text"},
		{"unterminated block comment", "model a\n\n  /* open\ninput x: vector(3)\n", 3, 3, "unterminated block comment: add */ to close the comment opened here"},
		{"unterminated block comment at the end", "model a /*", 1, 9, "unterminated block comment"},
		{"control character", "model a\ninput x:\x0cvector(3)\n", 2, 9, `control character '\f' in file: a .maf spec is plain text`},
		{"escape character", "model a\x1b[31m\n", 1, 8, `control character '\x1b'`},
		{"file over the size limit", string(big), 1, MaxFileSize + 1, "spec is larger than the limit of 1048576 bytes (1 MiB) from here on"},
		{"bidi override in a doc comment", "model a\n/// x \u202e}; func init() {\ninput x: vector(3)\n", 2, 7, `bidirectional control character '\u202e' in file`},
		{"bidi isolate in a comment", "model a // \u2066ok\u2069\n", 1, 12, `bidirectional control character '\u2066'`},
		{"right-to-left mark in a name", "model a\u200f\n", 1, 8, `bidirectional control character '\u200f'`},
		{"zero-width space in a doc comment", "/// a\u200bb\nmodel a\n", 1, 6, `invisible character '\u200b' in file`},
		{"byte order mark inside the file", "model a\n\ufeff// x\n", 2, 1, `invisible character '\ufeff'`},
		{"soft hyphen", "/// co\u00adde\nmodel a\n", 1, 7, `invisible character '\u00ad'`},
		{"C1 control (NEL)", "/// a\u0085b\nmodel a\n", 1, 6, `control character '\u0085' in file`},
		{"DEL", "model a\x7f\n", 1, 8, `control character '\x7f'`},
		{"line separator", "/// a\u2028//go:generate rm -rf /\nmodel a\n", 1, 6, `Unicode line separator '\u2028' in file`},
		{"lone carriage return", "/// a\r//go:generate x\nmodel a\n", 1, 6, `carriage return not followed by a newline`},
		{"unterminated string", "model a\ntrain { objective = likelihood(\"mnist) }\n", 2, 32, `unterminated string: close it with " on the same line`},
		{"string across lines", "model a\ntrain { x = \"a\nb\" }\n", 2, 13, `unterminated string`},
		{"non-ASCII name", "model a\ninput φ: vector(3)\n", 2, 7, `unexpected character 'φ'`},
		{"column counts characters", "model a // φφφ\n  € = 1\n", 2, 3, `unexpected character '€'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("lex.maf", []byte(tc.src))
			require.Error(t, err, "Parse(%q)", tc.src)
			var list ErrorList
			require.True(t, errors.As(err, &list), "Parse(%q) returned %T, want ErrorList", tc.src, err)
			require.Len(t, list, 1, "Parse(%q) = %v, want one error", tc.src, err)
			e := list[0]
			assert.Equal(t, lexer.Position{Filename: "lex.maf", Line: tc.line, Column: tc.col},
				lexer.Position{Filename: e.Pos.Filename, Line: e.Pos.Line, Column: e.Pos.Column},
				"position of Parse(%q) error %q", tc.src, e.Msg)
			assert.Contains(t, e.Msg, tc.msg, "Parse(%q) error message", tc.src)
		})
	}
}

// TestErrorListOutput checks that all errors of a file come back sorted by
// position, one per line, in the file:line:col: message form.
func TestErrorListOutput(t *testing.T) {
	src := `model a

input x: vector(3)

potential {
    h = relu(dense(x, 4))
    g = softplus(dense(x, 0))
    phi = dense(h, 1) + dense(y, 1)
}

train {
    objective = likelihood(mnist)
    batch = 0
}

flow {
    integrator = leapfrog
}
`
	_, err := Compile("list.maf", []byte(src))
	require.Error(t, err, "Compile")
	want := strings.Join([]string{
		`list.maf:6:9: activation "relu" is not twice differentiable: Δφ needs a C² activation (σ″ is zero almost everywhere or undefined for relu); use softplus (a smooth ReLU) or swish`,
		`list.maf:7:27: dense width must be in [1, 65536], got 0`,
		`list.maf:8:31: unknown name "y" (defined so far: g, h, x)`,
		`list.maf:13:13: batch must be in [1, 1048576], got 0`,
		`list.maf:17:18: unknown integrator "leapfrog" (want one of: rk4, euler, midpoint)`,
	}, "\n")
	assert.Equal(t, want, err.Error(), "Compile(%q).Error()", src)

	// Errors from several declarations that fail to parse, also sorted.
	src = "model a\ninput x: vector(3\npotential { phi = sum(x) + }\nflow { steps = = }\n"
	_, err = Compile("syn.maf", []byte(src))
	require.Error(t, err, "Compile")
	want = strings.Join([]string{
		`syn.maf:3:1: unexpected token "potential" (expected ")")`,
		`syn.maf:3:26: unexpected token "+" (expected "}")`,
		`syn.maf:4:16: unexpected token "=" (expected a value: a number, a name, a call, a "string", ( … ) or [ … ])`,
	}, "\n")
	assert.Equal(t, want, err.Error(), "Compile(%q).Error()", src)
}

// TestErrorListMethods covers the ErrorList helpers.
func TestErrorListMethods(t *testing.T) {
	var l ErrorList
	assert.NoError(t, l.Err(), "ErrorList{}.Err()")
	assert.Equal(t, "no errors", l.Error(), "ErrorList{}.Error()")
	p := func(line, col int) lexer.Position { return lexer.Position{Filename: "a.maf", Line: line, Column: col} }
	l.Add(p(3, 1), "third")
	l.Add(p(1, 5), "first %d", 1)
	l.Add(p(3, 1), "third")
	l.Add(lexer.Position{Filename: "a.maf"}, "whole file")
	err := l.Err()
	require.Error(t, err)
	assert.Equal(t, "a.maf: whole file\na.maf:1:5: first 1\na.maf:3:1: third", err.Error(), "Err().Error() after sorting and removing repeats")
	assert.Equal(t, "plain", (&Error{Msg: "plain"}).Error(), "Error without a position")
}

// TestPositionsOneFormat checks that every position in the checker's
// messages is formatted as ir.Pos formats it: file:line:col, or the file
// alone when there is no line.
func TestPositionsOneFormat(t *testing.T) {
	for _, pos := range []lexer.Position{
		{Filename: "a.maf", Line: 3, Column: 7},
		{Filename: "a.maf"},
		{Line: 2, Column: 1},
	} {
		want := irPos(pos).String()
		assert.Equal(t, want, posString(pos), "posString(%+v)", pos)
		if pos.Filename != "" || pos.Line != 0 {
			assert.Equal(t, want+": msg", (&Error{Pos: pos, Msg: "msg"}).Error(), "Error at %+v", pos)
		}
	}
	c := &checker{f: &File{Name: "b.maf"}}
	assert.Equal(t, "b.maf:4:2", c.nodePos(&ir.Node{Pos: ir.Pos{Line: 4, Col: 2}}), "nodePos")
	assert.Equal(t, "b.maf", c.nodePos(&ir.Node{}), "nodePos of a node without a position")
}

// TestHugeSizesFail checks that huge declared sizes are rejected quickly:
// nothing is allocated in proportion to a size before the limit checks.
func TestHugeSizesFail(t *testing.T) {
	for _, src := range []string{
		"model a\ninput x: vector(1000000000)\npotential { phi = sum(x) }\n",
		"model a\ninput x: vector(3)\npotential { phi = sum(dense(x, 100000000)) }\n",
		"model a\ninput x: vector(1048576)\npotential { h = dense(x, 65536)\nphi = dense(h, 1) }\n",
		"model a\ninput s: lattice(1024)\npotential { h = conv(s, 65536, kernel = 1023)\nphi = sum(conv(h, 65536, kernel = 1023)) }\n",
		"model a\ninput s: lattice(1024)\npotential { phi = sum(conv(s, 1, kernel = 1)) }\nsymmetry { translations = average }\n",
		"model a\ninput x: vector(1048576)\npotential { phi = sum(x) }\ntrain { objective = likelihood(gaussian)\nbatch = 1048576 }\n",
	} {
		start := time.Now()
		_, err := Compile("huge.maf", []byte(src))
		d := time.Since(start)
		assert.Error(t, err, "Compile(%q)", src)
		// Generous: a check takes microseconds; only a pathological
		// allocation or loop takes a second.
		assert.Less(t, d, time.Second, "Compile(%q) took %v", src, d)
	}
}

// TestPathologicalInputs checks that Parse stays fast and reports an
// error for inputs built to stress it: deep nesting (which would otherwise
// exhaust the stack) and many broken declarations (which would otherwise
// be reparsed one by one against the whole file).
func TestPathologicalInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds megabyte inputs")
	}
	for _, tc := range []struct {
		name, src, msg string
	}{
		{"deep parentheses", "model a\ninput x: vector(3)\npotential { phi = " + strings.Repeat("(", 200000) + "x" + strings.Repeat(")", 200000) + " }\n", "brackets nested more than 100 deep"},
		{"deep calls", "model a\ninput x: vector(3)\npotential { phi = " + strings.Repeat("sum(", 5000) + "x }\n", "brackets nested more than 100 deep"},
		{"deep lists", "model a\ntrain { batch = " + strings.Repeat("[", 5000) + " }\n", "brackets nested more than 100 deep"},
		{"many broken declarations", strings.Repeat("model 1\n", 120000), "too many syntax errors (100)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The cost is the parse's CPU time (a quadratic parse of these
			// inputs takes minutes of it); wall time, which a saturated
			// machine stretches, only guards against a hang.
			start, cpu0 := time.Now(), cpuSeconds()
			_, err := Parse("p.maf", []byte(tc.src))
			d, cpu := time.Since(start), cpuSeconds()-cpu0
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg, "Parse error")
			assert.Less(t, cpu, 10.0, "Parse took %.1f s of CPU", cpu)
			assert.Less(t, d, 120*time.Second, "Parse took %v", d)
		})
	}
}
