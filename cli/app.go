// Package cli implements the commands that run a compiled model: train,
// sample and eval. cmd/mafc calls it with the checked-in generated package
// of a bundled spec; for any other spec, mafc builds a small binary around
// the generated package and this package (see [Exec]).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// Model is a compiled potential with the program (settings) of the spec it
// is run with. The spec's training settings may differ from the ones the
// package was generated with; the kernels' hash must match.
type Model struct {
	Prog *ir.Program
	New  func() mafcrt.Potential
}

// Exec is the main function of binaries built for specs that have no
// checked-in package: args are "COMMAND -program FILE.json [flags] SPEC".
func Exec(newPot func() mafcrt.Potential, args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprintln(stderr, "mafc: usage: COMMAND -program FILE.json [flags] SPEC")
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	progPath := fs.String("program", "", "")
	// Only -program is ours; everything else goes to the command.
	rest := []string{}
	for i := 1; i < len(args); i++ {
		if args[i] == "-program" && i+1 < len(args) {
			*progPath = args[i+1]
			i++
			continue
		}
		rest = append(rest, args[i])
	}
	b, err := limits.ReadFile(*progPath, limits.MaxProgramBytes, "a model's IR (-program)")
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 2
	}
	prog, err := ir.Decode(b)
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %s: %v\n", *progPath, err)
		return 2
	}
	return Run(cmd, Model{Prog: prog, New: newPot}, rest, stdout, stderr)
}

// Run runs command cmd ("train", "sample" or "eval") on model m with the
// command's flags in args. It returns the exit status: 0 success (or help
// printed for -h), 1 failure, 2 usage, 130 interrupted (after saving a
// checkpoint). m.New may be nil when args ask for help: the flags depend
// only on m.Prog, so no model is needed to list them.
func Run(cmd string, m Model, args []string, stdout, stderr io.Writer) int {
	return RunComm(cmd, m, args, stdout, stderr, nil)
}

// RunComm is [Run] as one process (rank) of a job of comm.Size() processes
// (comm nil: [train.Local], this process alone), such as an MPI job: every
// rank runs the same command, and train spreads each batch's shards, and
// its evaluations, over the ranks (see [train.Config].Comm); the other
// commands run in one process only. Rank 0 alone prints, takes the run
// directory's lock and writes checkpoints, metrics, figures and the
// report; it reads the checkpoint to resume from and sends it to the
// others. The other ranks print nothing but their own failures: a failure
// every rank meets at the same point (bad flags, an interrupt, a
// non-finite step, another rank's failure) is left to rank 0 to report.
func RunComm(cmd string, m Model, args []string, stdout, stderr io.Writer, comm train.Comm) int {
	if comm == nil {
		comm = train.Local{}
	}
	rank, size := comm.Rank(), comm.Size()
	errOut, prefix := stderr, fmt.Sprintf("mafc %s", cmd)
	if size > 1 {
		if cmd != "train" {
			if rank == 0 {
				fmt.Fprintf(stderr, "mafc %s: runs in one process: start it without mpirun (only train is spread over processes)\n", cmd)
			}
			return 2
		}
		prefix = fmt.Sprintf("mafc %s (process %d of %d)", cmd, rank, size)
		if rank > 0 {
			stdout, stderr = io.Discard, io.Discard
		}
	}
	if m.New == nil {
		m.New = func() mafcrt.Potential { panic("app: Run without Model.New may only print help") }
	} else if p := m.New(); p.Program().Hash() != m.Prog.Hash() {
		fmt.Fprintf(stderr, "mafc: internal error: compiled model %q does not match the spec (hash %.12s vs %.12s): regenerate it with mafc gen\n",
			p.Name(), p.Program().Hash(), m.Prog.Hash())
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	finished := make(chan struct{})
	defer close(finished) // runs before stop, which also ends ctx
	go func() {
		select {
		case <-finished:
			return
		case <-ctx.Done():
		}
		select {
		case <-finished:
			return
		default:
		}
		// The first interrupt stops the work cleanly (a training step in
		// progress finishes and a checkpoint is written); restoring the
		// default handling lets a second one end the process at once,
		// which loses at most that step (checkpoints are written
		// atomically).
		stop()
		fmt.Fprintf(stderr, "mafc %s: interrupted: stopping cleanly (training finishes its current step and saves a checkpoint); interrupt again to quit at once\n", cmd)
	}()
	var err error
	switch cmd {
	case "train":
		err = trainCmd(ctx, m, args, stdout, stderr, comm)
	case "sample":
		err = sampleCmd(ctx, m, args, stdout, stderr)
	case "eval":
		err = evalCmd(ctx, m, args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "mafc: unknown command %q (want train, sample or eval)\n", cmd)
		return 2
	}
	if rank > 0 && !shared(err) {
		stderr = errOut // this rank's own failure
	}
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\n", prefix, ue.err)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "%s: interrupted: %v\n", prefix, err)
		return 130
	}
	fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
	return 1
}

// shared reports whether err is a failure that every process of a job
// meets at the same point, which rank 0 reports: bad flags, an interrupt
// (agreed between the ranks), a non-finite step (computed from the same
// gathered numbers everywhere), another rank's failure.
func shared(err error) bool {
	var ue *usageError
	var nf *train.NonFiniteError
	return err == nil || errors.As(err, &ue) || errors.Is(err, context.Canceled) || errors.As(err, &nf) || errors.Is(err, train.ErrPeer)
}

// errHelp is returned by the commands after printing their flags for -h.
var errHelp = errors.New("help requested")

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// parseFlags parses fs; -h prints the flags (to stderr, like package flag)
// and returns errHelp, which Run turns into exit status 0.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	return nil
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
