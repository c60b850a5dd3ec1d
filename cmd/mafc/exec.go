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
	"syscall"

	_ "embed"

	"github.com/mafc-dev/mafc/cli"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
	mafcrt "github.com/mafc-dev/mafc/runtime"
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
	if mpiRank() > 0 {
		stdout = io.Discard // rank 0 prints the notes below
	}
	ovs, args, err := splitOverrides(args)
	if err != nil {
		fmt.Fprintf(stderr, "mafc %s: %v\n", cmd, err)
		return 2
	}
	spec, rest, ok := splitSpec(args)
	var p *ir.Program
	switch {
	case ok:
		if p, ok = compileFile(spec, stderr, ovs...); !ok {
			return 1
		}
	default:
		// The main job: the built-in default spec.
		if p, ok = compileSource(defaultSpecName, defaultSpec, ovs, stderr); !ok {
			return 1
		}
		rest = args
		if !wantsHelp(rest) {
			verb := map[string]string{"train": "training", "sample": "sampling", "eval": "evaluating"}[cmd]
			fmt.Fprintf(stdout, "mafc: no spec given: %s the built-in default %s (the 8×8 Ising model at T_c; see testdata/ising8.maf)\n", verb, defaultSpecName)
		}
	}
	if len(p.Overrides) > 0 && !wantsHelp(rest) {
		fmt.Fprintf(stdout, "mafc: settings from the command line: %s\n", strings.Join(p.Overrides, ", "))
	}
	if ctor := bundledFor(p.Hash()); ctor != nil {
		return runModel(cmd, cli.Model{Prog: p, New: ctor}, rest, stdout, stderr)
	}
	if launched, size := mpiJob(); launched && (mpiBuild || size > 1) && !wantsHelp(rest) {
		// The child binary built below has no MPI.
		fmt.Fprintf(stderr, "mafc %s: under MPI, mafc runs only the bundled specs (testdata/*.maf), and %s has no checked-in package (kernel hash %.12s): run it without mpirun\n", cmd, p.File, p.Hash())
		return 2
	}
	if wantsHelp(rest) {
		// The flags depend only on the program: never build for -h.
		return cli.Run(cmd, cli.Model{Prog: p}, rest, stdout, stderr)
	}
	bin, err := cachedBinary(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	return execBinary(bin, cmd, p, rest, stdout, stderr)
}

// splitOverrides takes the -set PATH=VALUE flags (also --set, -set=…) out
// of a model command's arguments, before any -- that ends the flags.
func splitOverrides(args []string) ([]dsl.Override, []string, error) {
	var ovs []dsl.Override
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		var text string
		switch {
		case a == "-set" || a == "--set":
			if i+1 == len(args) {
				return nil, nil, errors.New("-set needs PATH=VALUE, for example -set train.objective.T=2.5")
			}
			i++
			text = args[i]
		case strings.HasPrefix(a, "-set="), strings.HasPrefix(a, "--set="):
			_, text, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
			continue
		}
		ov, err := dsl.ParseOverride(text)
		if err != nil {
			return nil, nil, err
		}
		if len(ovs) == dsl.MaxOverrides {
			return nil, nil, fmt.Errorf("-set given more than %d times", dsl.MaxOverrides)
		}
		ovs = append(ovs, ov)
	}
	return ovs, rest, nil
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
	// The child gets the terminal's interrupt too and checkpoints: the
	// parent swallows SIGINT and waits for it. A SIGTERM, which no terminal
	// sends to the whole group, is passed on. (Not signal.Ignore: it would
	// leave SIGINT ignored in this process after Reset, and so in every
	// process it starts later.)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := c.Start(); err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM {
					c.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	if err := c.Wait(); err != nil {
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
