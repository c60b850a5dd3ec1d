package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	_ "embed"

	"github.com/mafc-dev/mafc/codegen"
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
	case cmd == "train":
		// The main job: the built-in default spec.
		var err error
		if p, err = dsl.Compile(defaultSpecName, defaultSpec); err != nil {
			printErrs(stderr, err)
			return 1
		}
		rest = args
		fmt.Fprintf(stdout, "mafc: no spec given: training the built-in default %s (the 8×8 Ising model at T_c; see testdata/ising8.maf)\n", defaultSpecName)
	default:
		fmt.Fprintf(stderr, "usage: mafc %s SPEC.maf [flags]   (mafc %s SPEC.maf -h lists the flags)\n", cmd, cmd)
		return 2
	}
	if ctor := bundledFor(p.Hash()); ctor != nil {
		return app.Run(cmd, app.Model{Prog: p, New: ctor}, rest, stdout, stderr)
	}
	bin, err := cachedBinary(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mafc: %v\n", err)
		return 1
	}
	return execBinary(bin, cmd, p, rest, stdout, stderr)
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

// sourceDir returns the directory of the mafc module this binary was built
// from, when it can be found (a checkout, or the module cache).
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // cmd/mafc/exec.go → root
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !bytes.Contains(b, []byte("module "+modulePath+"\n")) {
		return ""
	}
	return dir
}

// cachedBinary returns the path of the binary for p, generating and
// building it (and saying so) when it is not in the cache yet.
func cachedBinary(p *ir.Program, stderr io.Writer) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	hash := p.Hash()
	dir := filepath.Join(root, p.Name+"-"+hash[:16])
	bin := filepath.Join(dir, "mafc-model")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	fmt.Fprintf(stderr, "mafc: %s has no built-in package: generating and compiling it into %s (first use only)\n", p.File, dir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".build-*")
	if err != nil {
		return "", fmt.Errorf("cannot use the cache directory %s: %w (set MAFC_CACHE)", root, err)
	}
	defer os.RemoveAll(tmp)
	files, err := codegen.Generate(p, codegen.Options{Package: "model"})
	if err != nil {
		return "", err
	}
	if _, err := codegen.WriteChanged(filepath.Join(tmp, "model"), files); err != nil {
		return "", err
	}
	os.Remove(filepath.Join(tmp, "model", p.Name+".maf_test.go"))
	gomod := "module mafcmodel\n\ngo 1.26\n\nrequire " + modulePath + " " + moduleVersion() + "\n"
	if src := sourceDir(); src != "" {
		gomod += "\nreplace " + modulePath + " => " + src + "\n"
		if sum, err := os.ReadFile(filepath.Join(src, "go.sum")); err == nil {
			if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
				return "", err
			}
		}
	}
	main := `// Command mafc-model runs train, sample and eval for one generated model.
package main

import (
	"os"

	mafcrt "` + modulePath + `/runtime"
	"` + modulePath + `/runtime/app"
	"mafcmodel/model"
)

func main() {
	os.Exit(app.Exec(func() mafcrt.Potential { return model.New() }, os.Args[1:], os.Stdout, os.Stderr))
}
`
	for name, data := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	goBin := "go"
	if r := os.Getenv("GOROOT"); r != "" {
		if _, err := os.Stat(filepath.Join(r, "bin", "go")); err == nil {
			goBin = filepath.Join(r, "bin", "go")
		}
	}
	build := exec.Command(goBin, "build", "-mod=mod", "-o", filepath.Base(bin), ".")
	build.Dir = tmp
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return "", fmt.Errorf("building %s needs the Go toolchain on PATH: %w", p.File, err)
		}
		return "", fmt.Errorf("building the generated package for %s failed (a mafc bug; please report it):\n%s", p.File, out.String())
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(bin); serr == nil {
			return bin, nil // another mafc built it at the same time
		}
		return "", err
	}
	return bin, nil
}

func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == modulePath && strings.HasPrefix(bi.Main.Version, "v") {
		return bi.Main.Version
	}
	return "v0.0.0"
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
