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
	"github.com/mafc-dev/mafc/ir"
)

func genCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("gen", "[-o DIR] [-pkg NAME] [-check] [-dump=ir|plan] FILE.maf", stderr)
	out := fs.String("o", "", "output `directory` (default: next to the spec)")
	pkg := fs.String("pkg", "", "Go package `name` (default: the model name)")
	check := fs.Bool("check", false, "compare with the files on disk instead of writing; exit 1 when stale")
	dump := fs.String("dump", "", "print an intermediate form instead of generating: ir (the checked program) or plan (the strategies, lowerings, chunks and workspace the code is printed from)")
	jac := fs.String("jacobian", "auto", "Jacobian strategy: auto (the compiler's choice), dense (D rows everywhere), rf (receptive fields by im2col, no shifted-kernel GEMMs) or shift (shifted-kernel GEMMs, no orbit-factored Jacobians); the last three are benchmark baselines")
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
	if *jac != "auto" && *jac != "dense" && *jac != "rf" && *jac != "shift" {
		fmt.Fprintf(stderr, "mafc gen: -jacobian must be auto, dense, rf or shift, got %q\n", *jac)
		return 2
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
	case "plan":
		fmt.Fprint(stdout, codegen.Plan(p, jacobianOptions(*jac)).Dump())
		return 0
	default:
		fmt.Fprintf(stderr, "mafc gen: unknown -dump %q (want ir or plan)\n", *dump)
		return 2
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(path)
	}
	opt := jacobianOptions(*jac)
	opt.Package = *pkg
	files, err := codegen.Generate(p, opt)
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
// Laplacian and reverse modes, then says what each strategy word used
// means.
func planSummary(p *ir.Program) string {
	lp, rp := plan.Build(p, plan.Laplacian, 1), plan.Build(p, plan.Reverse, 1)
	var b strings.Builder
	used := map[plan.Kind]bool{}
	for i, n := range lp.Nodes {
		if i == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-14s %-7s %-16v Δφ: %-15s reverse: %s\n", n.Name, n.Op, n.Shape, n.Kind, rp.Nodes[i].Kind)
		used[n.Kind], used[rp.Nodes[i].Kind] = true, true
	}
	b.WriteString("Jacobian strategies (how each layer's Jacobian J is carried to get the exact Δφ):\n")
	for k := plan.None; k <= plan.Factored; k++ {
		if used[k] {
			fmt.Fprintf(&b, "  %-15s %s\n", k, strategyDoc[k])
		}
	}
	return b.String()
}

// strategyDoc explains each Jacobian representation of package plan in a
// line, for mafc check -v.
var strategyDoc = map[plan.Kind]string{
	plan.None:       "no Jacobian needed: nothing downstream reads this layer's Jacobian (its value and Laplacian suffice)",
	plan.Identity:   "the input itself: J = I, never stored",
	plan.Shared:     "closed form for a dense layer of the input: J = W for every sample, the row norms ‖W_j‖² computed once per parameter update",
	plan.Scaled:     "an activation of such a layer: J = diag(σ′(a))·W, kept as σ′(a) per sample; its Laplacian is σ″(a)·‖W_j‖²",
	plan.Rows:       "forward Laplacian: per-sample Jacobian rows (D, or the Hutchinson probes), propagated as BLAS GEMMs over the batch",
	plan.ConvShared: "a periodic convolution of the input: J is its kernel on the kernel window, the same for every sample",
	plan.RF:         "receptive field: per-sample Jacobians kept only on each site's receptive field, never D wide",
	plan.Gram:       "Gram matrices J·Jᵀ per sample instead of Jacobian rows, chosen by the cost model when the layers are narrower than D",
	plan.ConvScaled: "an activation of a convolution of the input read only by a shifted-kernel or orbit-factored convolution: J = diag(σ′)·kernel, kept as σ′",
	plan.ShiftRF:    "shifted-kernel GEMM: a receptive-field Jacobian as one GEMM over all sites and samples of the im2col of σ′ with the first layer's shifted kernels weighted by the second's, packed once per parameter update",
	plan.Factored:   "orbit-factored: the shifted-kernel Jacobian with both kernels written by their orbits of tied offsets, one GEMM of σ′ with the products of the orbit entries (packed once per parameter update) and a fixed sparse map to each site's window; only its row norms are kept",
}

// jacobianOptions returns the code generator's options for a -jacobian
// value (auto, dense, rf or shift).
func jacobianOptions(jac string) codegen.Options {
	return codegen.Options{Dense: jac == "dense", NoShift: jac == "rf", NoFactor: jac == "shift"}
}
