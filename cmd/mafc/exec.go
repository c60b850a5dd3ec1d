package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	_ "embed"

	"github.com/mafc-dev/mafc/dsl"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/app"
	"github.com/mafc-dev/mafc/runtime/ir"
)

const modulePath = "github.com/mafc-dev/mafc"

// defaultSpec is the spec `mafc train` runs when given none: a copy of
// testdata/ising8.maf (a test keeps the two identical).
//
//go:embed default.maf
var defaultSpec []byte

const defaultSpecName = "ising8.maf"

// modelCmd runs train, sample or eval for a spec: from its checked-in
// generated package when there is one, otherwise from a binary generated
// and built into the cache (keyed by the spec's kernel hash) on first use.
func modelCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	spec, rest, ok := splitSpec(args)
	var p *ir.Program
	switch {
	case ok:
		if p, ok = compileFile(spec, stderr); !ok {
			return 1
		}
	default:
		// The main job: the built-in default spec.
		var err error
		if p, err = dsl.Compile(defaultSpecName, defaultSpec); err != nil {
			printErrs(stderr, err)
			return 1
		}
		rest = args
		if !wantsHelp(rest) {
			verb := map[string]string{"train": "training", "sample": "sampling", "eval": "evaluating"}[cmd]
			fmt.Fprintf(stdout, "mafc: no spec given: %s the built-in default %s (the 8×8 Ising model at T_c; see testdata/ising8.maf)\n", verb, defaultSpecName)
		}
	}
	if ctor := bundledFor(p.Hash()); ctor != nil {
		return app.Run(cmd, app.Model{Prog: p, New: ctor}, rest, stdout, stderr)
	}
	if wantsHelp(rest) {
		// The flags depend only on the program: never build for -h.
		return app.Run(cmd, app.Model{Prog: p}, rest, stdout, stderr)
	}
	bin, err := cachedBinary(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	return execBinary(bin, cmd, p, rest, stdout, stderr)
}

// wantsHelp reports whether the flags ask for help (-h, -help or --help,
// before any -- that ends the flags).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "-h=true", "-help=true", "--help=true":
			return true
		}
	}
	return false
}

// splitSpec finds the spec (the first argument ending in .maf) among the
// command's arguments.
func splitSpec(args []string) (string, []string, bool) {
	for i, a := range args {
		if strings.HasSuffix(a, ".maf") && !strings.HasPrefix(a, "-") {
			rest := append(append([]string(nil), args[:i]...), args[i+1:]...)
			return a, rest, true
		}
	}
	return "", nil, false
}

// cacheRoot returns $MAFC_CACHE, or mafc/ in the user cache directory.
func cacheRoot() (string, error) {
	if d := os.Getenv("MAFC_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set MAFC_CACHE): %w", err)
	}
	return filepath.Join(d, "mafc"), nil
}

// execBinary runs the cached binary with the spec's program, passing the
// terminal through and forwarding its exit status.
func execBinary(bin, cmd string, p *ir.Program, args []string, stdout, stderr io.Writer) int {
	b, err := p.Encode()
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	f, err := os.CreateTemp("", "mafc-program-*.json")
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	f.Close()
	c := exec.Command(bin, append([]string{cmd, "-program", f.Name()}, args...)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
	// The child gets the terminal's interrupt too and checkpoints; wait for it.
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	return 0
}

var _ mafcrt.Potential
