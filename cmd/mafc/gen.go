package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/codegen/emit"
	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/runtime/ir"
)

func genCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("gen", "[-o DIR] [-pkg NAME] [-check] [-dump=ir] FILE.maf", stderr)
	out := fs.String("o", "", "output `directory` (default: next to the spec)")
	pkg := fs.String("pkg", "", "Go package `name` (default: the model name)")
	check := fs.Bool("check", false, "compare with the files on disk instead of writing; exit 1 when stale")
	dump := fs.String("dump", "", "print an intermediate form instead of generating: ir")
	jac := fs.String("jacobian", "auto", "Jacobian strategy: auto (the compiler's choice) or dense (D rows everywhere: a benchmark baseline)")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if *pkg != "" {
		if err := ir.CheckPackageName(*pkg); err != nil {
			fmt.Fprintf(stderr, "mafc gen: -pkg: %v\n", err)
			return 2
		}
	}
	path := fs.Arg(0)
	p, ok := compileFile(path, stderr)
	if !ok {
		return 1
	}
	switch *dump {
	case "":
	case "ir":
		fmt.Fprint(stdout, p.Dump())
		return 0
	default:
		fmt.Fprintf(stderr, "mafc gen: unknown -dump %q (want ir)\n", *dump)
		return 2
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(path)
	}
	if *jac != "auto" && *jac != "dense" {
		fmt.Fprintf(stderr, "mafc gen: -jacobian must be auto or dense, got %q\n", *jac)
		return 2
	}
	files, err := codegen.Generate(p, codegen.Options{Package: *pkg, Dense: *jac == "dense"})
	if err != nil {
		var fe *emit.FormatError
		if errors.As(err, &fe) {
			saveBroken(dir, p.Name, fe.Src, stderr)
		}
		fmt.Fprintf(stderr, "mafc: %s: %v\n", path, err)
		return 1
	}
	if *check {
		if stale := codegen.Stale(dir, files); len(stale) > 0 {
			fmt.Fprintf(stderr, "mafc: stale generated files (run go generate or mafc gen): %s\n", strings.Join(stale, ", "))
			return 1
		}
		return 0
	}
	written, err := codegen.WriteChanged(dir, files)
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	for _, w := range written {
		fmt.Fprintf(stdout, "wrote %s\n", w)
	}
	return 0
}

// planSummary describes the Jacobian strategy of every node in the
// Laplacian and reverse modes.
func planSummary(p *ir.Program) string {
	lp, rp := plan.Build(p, plan.Laplacian, 1), plan.Build(p, plan.Reverse, 1)
	var b strings.Builder
	for i, n := range lp.Nodes {
		if i == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-14s %-7s %-16v Δφ: %-15s reverse: %s\n", n.Name, n.Op, n.Shape, n.Kind, rp.Nodes[i].Kind)
	}
	return b.String()
}
