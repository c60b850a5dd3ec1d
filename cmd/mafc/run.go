package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/internal/atomicfile"
	"github.com/mafc-dev/mafc/ir"
)

const usage = `mafc is the Monge-Ampère Flow Compiler.

Usage:

	mafc check [-v] FILE.maf...            check specs
	mafc fmt [-w] FILE.maf...              format specs canonically
	mafc gen [-o DIR] [-pkg NAME] [-check] [-dump=ir] FILE.maf
	                                       generate the model's Go package
	mafc train [SPEC.maf] [flags]          train (flags override the spec)
	mafc sample [SPEC.maf] -ckpt FILE [-n N] [-o samples.npy]
	mafc eval [SPEC.maf] -ckpt FILE [-n N] [-data x.npy -o logp.npy]
	mafc export [SPEC.maf] -ckpt FILE [-o model.npz]
	                                       write θ, the spec, its IR and the flow settings for numpy
	mafc version

train, sample, eval and export also take -set PATH=VALUE (repeatable) to
change a spec setting for that command, e.g. -set train.precision=float32;
a checkpoint trained with -set loads only with the same -set flags where
they change the kernels.

Run "mafc COMMAND -h" for the flags of a command.
`

// run is the whole command; main only calls it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return checkCmd(rest, stdout, stderr)
	case "fmt":
		return fmtCmd(rest, stdout, stderr)
	case "gen":
		return genCmd(rest, stdout, stderr)
	case "train", "sample", "eval":
		return modelCmd(cmd, rest, stdout, stderr)
	case "export":
		return exportCmd(rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "mafc", version())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "mafc: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
		return v
	}
	return "(unknown)"
}

// compileFile reads (with readSpec) and compiles a spec, printing its
// errors (one per line) to stderr. ok is false when the spec has errors
// (exit status 1) or cannot be read.
//
// Overrides (mafc's -set) are applied before checking, so they are checked
// like the spec itself and recorded in the program.
func compileFile(path string, stderr io.Writer, ovs ...dsl.Override) (*ir.Program, bool) {
	src, ok := readSpec(path, stderr)
	if !ok {
		return nil, false
	}
	return compileSource(path, src, ovs, stderr)
}

// compileSource compiles a spec's source with overrides, printing its
// errors.
func compileSource(path string, src []byte, ovs []dsl.Override, stderr io.Writer) (*ir.Program, bool) {
	f, err := dsl.Parse(path, src)
	if err != nil {
		printErrs(stderr, err)
		return nil, false
	}
	// Report the overrides that name nothing beside the checker's errors.
	oerr := dsl.ApplyOverrides(f, ovs)
	p, err := dsl.Check(f)
	if oerr != nil {
		printErrs(stderr, oerr)
	}
	if err != nil {
		printErrs(stderr, err)
	}
	if oerr != nil || err != nil {
		return nil, false
	}
	for _, ov := range ovs {
		p.Overrides = append(p.Overrides, ov.Text)
	}
	return p, true
}

// readSpec reads a spec for every command with dsl.ReadFile, which stops at
// the size limit whatever the file is, printing the error to stderr. ok is
// false when it cannot be read or is too large (exit status 1).
func readSpec(path string, stderr io.Writer) ([]byte, bool) {
	src, err := dsl.ReadFile(path)
	var el dsl.ErrorList
	switch {
	case errors.As(err, &el):
		printErrs(stderr, err)
		return nil, false
	case err != nil:
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return nil, false
	}
	return src, true
}

func printErrs(stderr io.Writer, err error) {
	var el dsl.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			fmt.Fprintln(stderr, e.Error())
		}
		return
	}
	fmt.Fprintln(stderr, err)
}

func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mafc %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses the flags; it returns the exit status to use when parsing
// fails or help was asked for, and -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return -1
}

// eachFile parses the flags of a command that takes one or more files,
// then calls do for each file in turn. It returns the exit status: 2 for
// bad flags or no file, 1 when do failed for any file, else 0.
func eachFile(fs *flag.FlagSet, args []string, do func(path string) bool) int {
	if st := parse(fs, args); st >= 0 {
		return st
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	status := 0
	for _, path := range fs.Args() {
		if !do(path) {
			status = 1
		}
	}
	return status
}

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "[-v] FILE.maf...", stderr)
	verbose := fs.Bool("v", false, "print the model summary: parameters, symmetry strategies, Jacobian plan")
	return eachFile(fs, args, func(path string) bool {
		p, ok := compileFile(path, stderr)
		if ok && *verbose {
			printSummary(stdout, p)
		}
		return ok
	})
}

func fmtCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("fmt", "[-w] FILE.maf...", stderr)
	write := fs.Bool("w", false, "rewrite the files in place instead of printing them")
	return eachFile(fs, args, func(path string) bool {
		src, ok := readSpec(path, stderr)
		if !ok {
			return false
		}
		f, err := dsl.Parse(path, src)
		if err != nil {
			printErrs(stderr, err)
			return false
		}
		out, err := dsl.Format(f, src)
		if err != nil {
			printErrs(stderr, err)
			return false
		}
		if !*write {
			stdout.Write(out)
			return true
		}
		if string(out) == string(src) {
			return true
		}
		fi, err := os.Stat(path)
		if err != nil {
			fmt.Fprintf(stderr, "mafc: %v\n", err)
			return false
		}
		if err := atomicfile.WriteFile(path, out, fi.Mode().Perm()); err != nil {
			fmt.Fprintf(stderr, "mafc: %v\n", err)
			return false
		}
		return true
	})
}

func printSummary(w io.Writer, p *ir.Program) {
	fmt.Fprintf(w, "%s: model %s, input %s %v, %d parameters, hash %.12s\n", p.File, p.Name, p.InputKind, p.InputShape(), p.NumParams(), p.Hash())
	for _, s := range p.Symmetries {
		fmt.Fprintf(w, "  symmetry %s by %s: %s\n", s.Group, s.Strategy, s.Reason)
	}
	for _, line := range strings.Split(strings.TrimSpace(planSummary(p)), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "  flow %s, %d steps of %g (T = %g)\n", p.Flow.Integrator, p.Flow.Steps, p.Flow.Dt, p.Flow.Time())
	if t := p.Train; t.Objective.Kind != "" {
		if t.Objective.File != "" {
			fmt.Fprintf(w, "  data file %s (validation %g), read when training\n", p.DataFile(), t.Objective.Validation)
		}
		fmt.Fprintf(w, "  train %s, batch %d, %d steps / %d epochs, %s lr %g, Laplacian %s, %s\n", t.Objective.Kind, t.Batch, t.Steps, t.Epochs, t.Optimizer.Name, t.Optimizer.LR, t.Laplacian, p.Precision)
	}
}
