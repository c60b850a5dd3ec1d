package codegen_test

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/internal/gocheck"
	"github.com/mafc-dev/mafc/ir"
)

// specParts are the fuzzed parts of a spec: doc texts, node names and
// settings, placed into a fixed skeleton by text.
type specParts struct {
	file            string // the spec's file name
	modelDoc, inDoc string
	nodeDoc, phiDoc string
	name1, name2    string
	settings        string // statements of the train block
	lattice, noDocs bool
	width           uint8
}

func (s specParts) text() string {
	var b strings.Builder
	doc := func(indent, d string) {
		if d == "" || s.noDocs {
			return
		}
		for _, l := range strings.Split(d, "\n") {
			b.WriteString(indent + "/// " + l + "\n")
		}
	}
	w := int(s.width%8) + 1
	doc("", s.modelDoc)
	b.WriteString("model m\n\n")
	doc("", s.inDoc)
	if s.lattice {
		b.WriteString("input x: lattice(4)\n\npotential {\n")
		doc("    ", s.nodeDoc)
		fmt.Fprintf(&b, "    %s = lncosh(conv(x, %d, kernel = 3, bias = false, symmetric = d4))\n", s.name1, w)
		fmt.Fprintf(&b, "    %s = mean(%s)\n", s.name2, s.name1)
	} else {
		b.WriteString("input x: vector(3)\n\npotential {\n")
		doc("    ", s.nodeDoc)
		fmt.Fprintf(&b, "    %s = tanh(dense(x, %d))\n", s.name1, w)
		fmt.Fprintf(&b, "    %s = softplus(dense(%s, %d)) + %s\n", s.name2, s.name1, w, s.name1)
	}
	doc("    ", s.phiDoc)
	fmt.Fprintf(&b, "    phi = dense(%s, 1)\n}\n", s.name2)
	if s.settings != "" {
		fmt.Fprintf(&b, "\ntrain {\n    %s\n}\n", s.settings)
	}
	return b.String()
}

// hostile are texts that broke out of generated comments before the
// comment printer, or that the dsl must reject.
var hostile = []string{
	"//go:generate touch pwned",
	"/**/ }; func init() { panic(1) }; var _ = func() {",
	"/* open",
	"*/ func init() {}",
	"+build ignore",
	"go:build linux",
	"//line evil.go:1",
	"//export F",
	"import \"C\"",
	"rtl \u202e override",
	"a\u2028//go:generate x",
	"x\r//go:generate y",
	"zero\u200bwidth",
	"nul \x00",
	"bad \xff",
	"raw ` quote \ufeff bom \U000e0001 tag \u0085 nel",
}

func FuzzGenerate(f *testing.F) {
	f.Add("spec.maf", "A model.", "", "Hidden layer.", "", "h", "g", "", false, uint8(3))
	f.Add("spec.maf", "", "", "", "", "h", "H_", "", false, uint8(3))
	f.Add("spec.maf", "", "", "", "", "h", "h_b", "", false, uint8(3))
	f.Add("spec.maf", "", "", "", "", "c", "m", "precision = float32", true, uint8(2))
	f.Add("spec.maf", "", "", "", "", "len", "mat", "batch = 8", false, uint8(1))
	f.Add("evil\n*/ func init() {}.maf", "", "", "", "", "h", "g", "", true, uint8(4))
	f.Add("a\u202e.maf", "", "", "", "", "h", "g", "", false, uint8(4))
	for i, h := range hostile {
		f.Add("spec.maf", h, h, h, "two\nlines "+h, "h", "g", "", i%2 == 0, uint8(i))
		f.Add("s.maf", "", "", "", "", "h", "g", "steps = 3 /// "+h, i%2 == 1, uint8(i))
	}
	f.Fuzz(func(t *testing.T, file, modelDoc, inDoc, nodeDoc, phiDoc, name1, name2, settings string, lattice bool, width uint8) {
		if file == "" || strings.ContainsAny(file, "/\\") {
			file = "spec.maf"
		}
		s := specParts{file: file, modelDoc: modelDoc, inDoc: inDoc, nodeDoc: nodeDoc, phiDoc: phiDoc,
			name1: name1, name2: name2, settings: settings, lattice: lattice, width: width}
		files, ok := generate(t, s)
		if !ok {
			return // the checker rejected the spec: fine
		}
		s.noDocs = true
		bare, ok := generate(t, s)
		if !ok {
			t.Fatalf("the spec compiles with its docs and not without:\n%s", s.text())
		}
		checkGenerated(t, s, files, bare)
	})
}

// generate compiles and generates s; ok is false when the checker rejects
// it. Any other failure fails the test.
func generate(t *testing.T, s specParts) ([]codegen.File, bool) {
	t.Helper()
	p, err := dsl.Compile(s.file, []byte(s.text()))
	if err != nil {
		var el dsl.ErrorList
		if !errors.As(err, &el) {
			t.Fatalf("Compile returned %T (%v), want a dsl.ErrorList", err, err)
		}
		return nil, false
	}
	files, err := codegen.Generate(p, codegen.Options{})
	if err != nil {
		t.Fatalf("Generate failed for a spec the checker accepted: %v\nspec:\n%s", err, s.text())
	}
	return files, true
}

var (
	checkFset = token.NewFileSet()
	checkImp  types.Importer
	checkMu   sync.Mutex
)

// checkGenerated asserts, for both generated files: they parse; they hold
// no directive, build constraint, block comment or invisible character;
// their declarations are those of the same spec without docs (docs cannot
// add declarations) and among those the emitter produces; and the package
// type-checks.
func checkGenerated(t *testing.T, s specParts, files, bare []codegen.File) {
	t.Helper()
	p, err := dsl.Compile(s.file, []byte(s.text()))
	if err != nil {
		t.Fatal(err)
	}
	stems, _ := ir.GoNames(p.Nodes)
	expected := map[string]bool{}
	for _, n := range fixedDecls {
		expected[n] = true
	}
	for _, st := range stems {
		expected["size"+ir.Exported(st)] = true
		expected["off"+ir.Exported(st)+"W"] = true
		expected["off"+ir.Exported(st)+"B"] = true
		expected[st+"Orbit"] = true
	}
	checkMu.Lock()
	defer checkMu.Unlock()
	var asts []*ast.File
	for i, f := range files {
		af, err := gocheck.Audit(checkFset, f.Name, f.Data)
		if err != nil {
			t.Fatalf("%v\nspec:\n%s\ngenerated:\n%s", err, s.text(), f.Data)
		}
		bf, err := gocheck.Audit(token.NewFileSet(), bare[i].Name, bare[i].Data)
		if err != nil {
			t.Fatalf("without docs: %v", err)
		}
		got, want := gocheck.Decls(af), gocheck.Decls(bf)
		if !slices.Equal(got, want) {
			t.Fatalf("%s declares %q, without docs %q\nspec:\n%s", f.Name, got, want, s.text())
		}
		for _, d := range got {
			if !expected[d] {
				t.Fatalf("%s declares %s, which the emitter does not produce\nspec:\n%s", f.Name, d, s.text())
			}
		}
		if !strings.HasPrefix(string(f.Data), "// Code generated by mafc gen ") || !strings.Contains(strings.SplitN(string(f.Data), "\n", 2)[0], ". DO NOT EDIT.") {
			t.Fatalf("%s: bad first line %q", f.Name, strings.SplitN(string(f.Data), "\n", 2)[0])
		}
		asts = append(asts, af)
	}
	if checkImp == nil {
		imp, err := exportImporter(checkFset, asts)
		if err != nil {
			t.Fatal(err)
		}
		checkImp = &cachedImporter{imp: imp, pkgs: map[string]*types.Package{}}
	}
	conf := types.Config{Importer: checkImp}
	if _, err := conf.Check(asts[0].Name.Name, checkFset, asts, nil); err != nil {
		t.Fatalf("generated package does not type-check: %v\nspec:\n%s", err, s.text())
	}
}

// exportImporter returns an importer that reads the compiler's export data
// of the packages the files import (and their dependencies), located once
// with go list -export from the build cache. Type-checking gonum and the
// runtime from source instead took long enough, on a loaded machine, for
// the fuzzing coordinator to call a worker hung (it waits 10 s).
func exportImporter(fset *token.FileSet, files []*ast.File) (types.Importer, error) {
	seen := map[string]bool{}
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for _, f := range files {
		for _, im := range f.Imports {
			path, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return nil, err
			}
			if !seen[path] {
				seen[path] = true
				args = append(args, path)
			}
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %v\n%s", err, stderr.String())
	}
	export := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			export[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := export[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q (not a dependency of the generated files?)", path)
		}
		return os.Open(file)
	}), nil
}

// cachedImporter remembers the packages it imported by import path: the
// source importer caches type-checked packages too, but asks go/build (and
// so the go command) where each one is on every import.
type cachedImporter struct {
	imp  types.Importer
	pkgs map[string]*types.Package
}

func (c *cachedImporter) Import(path string) (*types.Package, error) {
	if p, ok := c.pkgs[path]; ok {
		return p, nil
	}
	p, err := c.imp.Import(path)
	if err == nil {
		c.pkgs[path] = p
	}
	return p, err
}

// fixedDecls are the top-level declarations the emitter writes for every
// model (the others are size<Node>, off<Node>W, off<Node>B and <node>Orbit).
var fixedDecls = []string{
	"_", "BenchmarkModel", "Chunk", "Dim", "GenVersion", "Model", "New", "NumParams", "NumProbes",
	"Program", "TestModel", "ValueChunk", "Workspace", "group", "irJSON", "load", "mat", "program",
	"rows", "store", "Workspace.MaxBatch",
	"Model.DeferGrad", "Model.Dim", "Model.FlushGrad", "Model.Grad", "Model.Hutchinson",
	"Model.Laplacian", "Model.LaplacianSave", "Model.Name", "Model.NewWorkspace",
	"Model.NewWorkspaceChunks", "Model.NumParams", "Model.Params", "Model.Phi", "Model.Probes",
	"Model.Program", "Model.Reverse", "Model.ReverseHutchinson", "Model.ReverseHutchinsonLap",
	"Model.ReverseLap", "Model.ReverseSaved",
	"Model.SaveSize", "Model.Sync", "Model.bwdGrad", "Model.bwdHutchRev", "Model.bwdReverse",
	"Model.fwdHutch", "Model.fwdHutchRev", "Model.fwdLaplacian", "Model.fwdReverse",
	"Model.fwdValues",
}

// TestGenerateHostileSeeds runs the fuzz target's checks on every hostile
// text in every place, so that plain go test covers them.
func TestGenerateHostileSeeds(t *testing.T) {
	accepted := 0
	for i, h := range hostile {
		for _, s := range []specParts{
			{file: "spec.maf", modelDoc: h, name1: "h", name2: "g", width: 3},
			{file: "spec.maf", inDoc: h, nodeDoc: h, phiDoc: "x\n" + h, name1: "h", name2: "g", lattice: true, width: 2},
			{file: "evil\n" + h + ".maf", name1: "h", name2: "g", width: 2},
		} {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				files, ok := generate(t, s)
				if !ok {
					return
				}
				accepted++
				s.noDocs = true
				bare, ok := generate(t, s)
				if !ok {
					t.Fatal("no docs, no spec")
				}
				checkGenerated(t, s, files, bare)
			})
		}
	}
	if accepted < len(hostile) {
		t.Errorf("only %d hostile specs were accepted: the test checks too little", accepted)
	}
}
