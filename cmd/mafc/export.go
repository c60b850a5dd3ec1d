package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/runtime/app"
	"github.com/mafc-dev/mafc/runtime/ir"
)

// maxSpecBytes bounds the spec text that mafc export copies into the
// archive.
const maxSpecBytes = 16 << 20

// exportCmd writes a trained model as a .npz archive for Python (and any
// other numpy reader): θ by parameter name, the spec, the IR and the flow
// settings (see app.Export).
func exportCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("export", "[SPEC.maf] -ckpt DIR|FILE [-o model.npz]", stderr)
	ck := fs.String("ckpt", "", "checkpoint `file` (or an output directory of mafc train)")
	out := fs.String("o", "model.npz", "output `file` (.npz)")
	spec, rest, hasSpec := splitSpec(args)
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
		if p, ok = compileFile(spec, stderr); !ok {
			return 1
		}
		var err error
		if src, err = readBounded(spec, maxSpecBytes); err != nil {
			fmt.Fprintf(stderr, "mafc export: %v\n", err)
			return 1
		}
	} else {
		var err error
		if p, err = dsl.Compile(defaultSpecName, defaultSpec); err != nil {
			printErrs(stderr, err)
			return 1
		}
		src = defaultSpec
		fmt.Fprintf(stdout, "mafc: no spec given: exporting the built-in default %s\n", defaultSpecName)
	}
	set, err := app.Export(p, src, *ck, *out)
	if err != nil {
		fmt.Fprintf(stderr, "mafc export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: %s at step %d, %d parameters in %d tensors, the spec, its IR and the flow settings (%s, %d steps of %g)\n",
		*out, set.Model, set.Step, set.Parameters, len(p.Params), set.Integrator, set.Steps, set.Dt)
	return 0
}

// readBounded reads at most limit bytes of path, and fails if there are
// more.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", path, limit)
	}
	return b, nil
}
