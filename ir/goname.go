package ir

import (
	"fmt"
	"strings"
	"unicode"
)

// GoName turns a node name such as "h.dense" into the stem of the Go
// identifiers generated for the node, such as "hDense": the parts between
// dots and underscores are joined, every part but the first capitalised.
// Keywords, predeclared names and the names the generated code uses itself
// (see [IsReservedGoName]) get a trailing underscore. Any character other
// than an ASCII letter or digit separates parts, so the result is always an
// identifier made of ASCII letters, digits and underscores, whatever s is.
//
// GoName is the single place where DSL names become Go names: package dsl
// checks the names it derives for clashes with [GoNames], and the emitter
// uses GoNames, so that a spec that checks also builds.
func GoName(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return !isASCIIAlnum(r) })
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			p = strings.ToUpper(p[:1]) + p[1:]
		}
		b.WriteString(p)
	}
	out := b.String()
	if out == "" || (out[0] >= '0' && out[0] <= '9') {
		out = "v" + out
	}
	if goReserved[out] {
		out += "_"
	}
	return out
}

// Exported returns the Go identifier s with its first letter in upper case.
func Exported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// GoSuffixes lists every suffix the emitter appends to a node's stem to
// name a buffer, a field, a local variable or a package-level variable (""
// is the stem itself). Besides these, it declares "size"+Exported(stem),
// "g"+Exported(stem)+"W" and "…B", and "off"+Exported(stem)+"W" and "…B"
// (see [GoIdents]). The emitter must
// derive no other identifier from a stem: the clash check relies on it.
var GoSuffixes = []string{
	"", "B", "W", "D1", "D2", "D3", "Q", "E", "EAcc", "RF", "RFB", "G", "GCirc", "GFull",
	"Geom", "RFGeom", "Fwd", "Bwd", "Circ", "Full", "Norm2", "Gram", "Orbit",
	"Shift", "ShiftT", "ShiftM", "ShiftGeom", "ShiftX", "ShiftXB", "GS", "DB",
	"Factor", "FactorT", "FactorM", "FactorGeom", "FR", "FRB", "FJ", "GP",
	"Direct", "DirFwd", "DirBwd", "DirGeom", "GDir",
	"Gather", "GatFwd", "GatBwd", "GatGeom", "GGat",
}

// GoIdents returns every identifier the generated code may declare for a
// node whose stem is stem.
func GoIdents(stem string) []string {
	out := make([]string, 0, len(GoSuffixes)+3)
	for _, s := range GoSuffixes {
		out = append(out, stem+s)
	}
	e := Exported(stem)
	return append(out, "size"+e, "g"+e+"W", "g"+e+"B", "off"+e+"W", "off"+e+"B")
}

// GoNameClash is a clash between the Go identifiers of two nodes: the
// generated package would not build.
type GoNameClash struct {
	A, B  int    // node indexes, A < B
	Ident string // an identifier both declare
}

// describe names the two nodes of c and the identifier.
func (c GoNameClash) describe(nodes []*Node) string {
	return fmt.Sprintf("nodes %q and %q both declare the Go identifier %s", nodes[c.A].Name, nodes[c.B].Name, c.Ident)
}

// GoNames returns the stem of every node's Go identifiers ([GoName] of its
// name) and the clashes between them. Nodes with the same name, such as
// the two "phi.dense" of `phi = dense(x, 1) + dense(x, 1)`, get the stem of
// the first followed by "_" and their index (GoName never puts an
// underscore inside a stem, so that cannot be another name's stem). A clash
// is reported once per pair of nodes, in order; a node whose identifiers
// meet a reserved name clashes with itself (A == B).
func GoNames(nodes []*Node) ([]string, []GoNameClash) {
	stems := make([]string, len(nodes))
	first := map[string]int{}
	for i, n := range nodes {
		stems[i] = GoName(n.Name)
		if _, dup := first[n.Name]; dup {
			stems[i] = fmt.Sprintf("%s_%d", stems[i], i)
		} else {
			first[n.Name] = i
		}
	}
	var clashes []GoNameClash
	owner := map[string]int{}
	seen := map[[2]int]bool{}
	for i, stem := range stems {
		for _, id := range GoIdents(stem) {
			if goReserved[id] {
				if !seen[[2]int{i, i}] {
					seen[[2]int{i, i}] = true
					clashes = append(clashes, GoNameClash{A: i, B: i, Ident: id})
				}
				continue
			}
			j, taken := owner[id]
			if !taken {
				owner[id] = i
				continue
			}
			if j != i && !seen[[2]int{j, i}] {
				seen[[2]int{j, i}] = true
				clashes = append(clashes, GoNameClash{A: j, B: i, Ident: id})
			}
		}
	}
	return stems, clashes
}

// verifyGoNames reports the first clash of GoNames.
func (p *Program) verifyGoNames() error {
	if _, clashes := GoNames(p.Nodes); len(clashes) > 0 {
		c := clashes[0]
		if c.A == c.B {
			return fmt.Errorf("ir: node %q declares the reserved Go identifier %s", p.Nodes[c.A].Name, c.Ident)
		}
		return fmt.Errorf("ir: %s", c.describe(p.Nodes))
	}
	return nil
}

// IsReservedGoName reports whether s is a Go keyword, a predeclared
// identifier, or a name the generated code declares or imports itself:
// no node's identifiers may be one of these.
func IsReservedGoName(s string) bool { return goReserved[s] }

// CheckPackageName returns nil if s can name a generated package, and
// otherwise an error saying why: it must be lower-case ASCII letters and
// digits starting with a letter (a Go identifier in the style of package
// names), and not a keyword, a predeclared identifier (it would shadow it
// in every importer), "main" (a command, which cannot be imported), or a
// package the generated code imports.
func CheckPackageName(s string) error {
	if s == "" {
		return fmt.Errorf("package name is empty")
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return fmt.Errorf("package name %q must be lower-case letters and digits, starting with a letter", s)
		}
	}
	if packageReserved[s] {
		return fmt.Errorf("package name %q is a Go keyword, a predeclared name, main, or a package the generated code imports: choose another", s)
	}
	return nil
}

var packageReserved = func() map[string]bool {
	m := map[string]bool{"main": true, "testing": true, "potentialtest": true, "gemm": true, "sync": true}
	for _, s := range append(goKeywords, goPredeclared...) {
		m[s] = true
	}
	for _, s := range []string{"runtime", "ir", "kern", "blas", "blas64", "blas32", "math"} {
		m[s] = true
	}
	return m
}()

var goKeywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var",
}

var goPredeclared = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex",
	"complex64", "complex128", "copy", "delete", "error", "false", "float32", "float64",
	"imag", "int", "int8", "int16", "int32", "int64", "iota", "len", "make", "max", "min",
	"new", "nil", "panic", "print", "println", "real", "recover", "rune", "string", "true",
	"uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
}

// goReserved: keywords, predeclared names, and the names the generated code
// declares or imports itself (package names, the fields of Model and
// Workspace, the locals of the generated functions).
var goReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range append(goKeywords, goPredeclared...) {
		m[s] = true
	}
	for _, s := range []string{
		// packages
		"runtime", "ir", "kern", "gemm", "blas", "blas64", "blas32", "math", "sync",
		// the fields of Model and Workspace, and Workspace's method (a
		// Workspace field is named after each stem)
		"theta", "p", "c", "cv", "deferGrad", "lite", "saveOut", "saveIn", "b0",
		"cols", "rd", "panel", "wtmp", "g32", "MaxBatch",
		// the time state of a time-dependent model (Model and Workspace)
		"timeVersion", "timeNow", "timeModel", "timeVer", "timeSet", "timeGrad", "timeScratch", "timeMap",
		"timeOf", "timeAt", "numKernelParams", "newModel", "dth", "timeS", "timeS2", "timeGS",
		// locals and helpers
		"m", "w", "ws", "nb", "b", "B", "j", "rows", "mat",
	} {
		m[s] = true
	}
	return m
}()
