package codegen

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"

	"github.com/mafc-dev/mafc/codegen/emit"
	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/internal/atomicfile"
	"github.com/mafc-dev/mafc/ir"
)

// Options control generation.
type Options struct {
	// Package is the Go package name (default: the model name).
	Package string
	// Invocation is recorded in the generated header.
	Invocation string
	// MemoryBudget bounds the Jacobian buffers of one chunk, in bytes.
	MemoryBudget int
	// Dense forces plain forward-Laplacian propagation (D Jacobian rows per
	// sample everywhere): a baseline for benchmarking the strategies.
	Dense bool
	// NoShift keeps receptive-field Jacobians on the im2col path instead
	// of the shifted-kernel GEMMs (a baseline; see emit.Options).
	NoShift bool
	// NoFactor keeps the shifted-kernel GEMMs instead of the orbit-factored
	// Jacobian (a baseline; see emit.Options).
	NoFactor bool
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// Generate returns the files of the package for p.
//
// The output depends only on the spec's contents and base name (positions
// are recorded as file:line:col of the base name), so generating from any
// working directory gives the same bytes.
func Generate(p *ir.Program, opt Options) ([]File, error) {
	p = withBaseName(p)
	if opt.Invocation == "" {
		opt.Invocation = "mafc gen " + p.File
	}
	pkg := opt.Package
	if pkg == "" {
		pkg = p.Name
	}
	if err := ir.CheckPackageName(pkg); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	src, err := emit.File(p, emit.Options{Package: pkg, Invocation: opt.Invocation, MemoryBudget: opt.MemoryBudget, Dense: opt.Dense, NoShift: opt.NoShift, NoFactor: opt.NoFactor})
	if err != nil {
		return nil, err
	}
	test, err := testFile(p, pkg, opt.Invocation)
	if err != nil {
		return nil, err
	}
	base := p.Name + ".maf"
	return []File{{base + ".go", src}, {base + "_test.go", test}}, nil
}

// Plan returns the plan Generate prints for p with the same options.
func Plan(p *ir.Program, opt Options) *plan.Model {
	return plan.New(p, plan.Config{MemoryBudget: opt.MemoryBudget, Dense: opt.Dense, NoShift: opt.NoShift, NoFactor: opt.NoFactor})
}

// withBaseName returns a copy of p whose positions name the spec by its base
// name.
func withBaseName(p *ir.Program) *ir.Program {
	b, err := p.Encode()
	if err != nil {
		panic("codegen: " + err.Error())
	}
	q, err := ir.Decode(b)
	if err != nil {
		panic("codegen: " + err.Error())
	}
	base := filepath.Base(p.File)
	q.File = base
	for _, n := range q.Nodes {
		n.Pos.File = base
	}
	for i := range q.Symmetries {
		q.Symmetries[i].Pos.File = base
	}
	q.Flow.Pos.File, q.Train.Pos.File, q.Train.Objective.Pos.File = base, base, base
	return q
}

func testFile(p *ir.Program, pkg, inv string) ([]byte, error) {
	if inv == "" {
		inv = "mafc gen"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", emit.HeaderLine(inv))
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString(`import (
	"testing"

	"github.com/mafc-dev/mafc/runtime/potentialtest"
)

// TestModel checks every kernel against finite differences and the reference
// evaluator, the declared symmetries, and that no hot method allocates.
func TestModel(t *testing.T) { potentialtest.Check(t, New(), potentialtest.Options{}) }

// BenchmarkModel times every method at the named batch sizes.
func BenchmarkModel(b *testing.B) { potentialtest.Bench(b, New()) }
`)
	return format.Source(b.Bytes())
}

// WriteChanged writes the files into dir, touching only files whose bytes
// change. It returns the names written.
func WriteChanged(dir string, files []File) ([]string, error) {
	var written []string
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err := atomicfile.WriteFile(path, f.Data, 0o644); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// Stale returns the names of files in dir that differ from files (missing
// or changed).
func Stale(dir string, files []File) []string {
	var out []string
	for _, f := range files {
		old, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || !bytes.Equal(old, f.Data) {
			out = append(out, filepath.Join(dir, f.Name))
		}
	}
	return out
}
