package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mafc-dev/mafc/cli"
	"github.com/mafc-dev/mafc/ir"
)

// exportCmd writes a trained model as a .npz archive for Python (and any
// other numpy reader): θ by parameter name, the spec, the IR and the flow
// settings (see cli.Export).
func exportCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("export", "[SPEC.maf] -ckpt DIR|FILE [-o model.npz]", stderr)
	ck := fs.String("ckpt", "", "checkpoint `file` (or an output directory of mafc train)")
	out := fs.String("o", "model.npz", "output `file` (.npz)")
	// -set as for train: a run trained with -set train.precision=float32
	// has other kernels, so its checkpoint loads only with the same flags.
	ovs, args, err := splitOverrides(args)
	if err != nil {
		fmt.Fprintf(stderr, "mafc export: %v\n", err)
		return 2
	}
	spec, rest, hasSpec := splitSpec(args)
	if !hasSpec {
		rest = args
	}
	if st := parse(fs, rest); st >= 0 {
		return st
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "mafc export: unexpected arguments %q (the spec is a .maf file)\n", fs.Args())
		return 2
	case *ck == "":
		fmt.Fprintln(stderr, "mafc export: -ckpt is required (a checkpoint written by mafc train)")
		return 2
	case !strings.HasSuffix(*out, ".npz"):
		fmt.Fprintf(stderr, "mafc export: -o %q: want a .npz file\n", *out)
		return 2
	}
	var p *ir.Program
	var src []byte
	if hasSpec {
		var ok bool
		if src, ok = readSpec(spec, stderr); !ok {
			return 1
		}
		if p, ok = compileSource(spec, src, ovs, stderr); !ok {
			return 1
		}
	} else {
		var ok bool
		if p, ok = compileSource(defaultSpecName, defaultSpec, ovs, stderr); !ok {
			return 1
		}
		src = defaultSpec
		fmt.Fprintf(stdout, "mafc: no spec given: exporting the built-in default %s\n", defaultSpecName)
	}
	set, err := cli.Export(p, src, *ck, *out)
	if err != nil {
		fmt.Fprintf(stderr, "mafc export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: %s at step %d, %d parameters in %d tensors, the spec, its IR and the flow settings (%s, %d steps of %g)\n",
		*out, set.Model, set.Step, set.Parameters, len(p.Params), set.Integrator, set.Steps, set.Dt)
	return 0
}
