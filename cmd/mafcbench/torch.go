package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed torchbench.py
var torchScript []byte

// debianPython is the interpreter Debian's python3-torch installs into; the
// python3 first on PATH (pyenv, a virtual environment) usually cannot import it.
const debianPython = "/usr/bin/python3"

// aptPackages are what the harness installs when torch does not import.
var aptPackages = []string{"python3-torch", "libopenblas0-openmp"}

// torchImports reports whether python can import torch, with the error
// output when it cannot.
func torchImports(python string) (bool, string) {
	out, err := exec.Command(python, "-c", "import torch").CombinedOutput()
	if err == nil {
		return true, ""
	}
	msg := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:] // the exception line of the traceback
	}
	if msg == "" {
		msg = err.Error()
	}
	return false, msg
}

// aptInstall runs apt-get update && apt-get install -y pkgs, streaming its
// output to log.
func aptInstall(log io.Writer, pkgs ...string) error {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("apt-get not found: %v", err)
	}
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)} {
		fmt.Fprintf(log, "mafcbench: apt-get %s\n", strings.Join(args, " "))
		cmd := exec.Command("apt-get", append([]string{"-q"}, args...)...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %v", args[0], err)
		}
	}
	return nil
}

// openblasOpenMPDir returns the folder holding libopenblas0-openmp's BLAS
// (the libblas.so.3 that torch links to), or "" when it is not installed.
func openblasOpenMPDir() string {
	if out, err := exec.Command("dpkg", "-L", "libopenblas0-openmp").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			line = strings.TrimSpace(line)
			if strings.Contains(filepath.Base(line), "libopenblas") && strings.Contains(line, ".so") {
				return filepath.Dir(line)
			}
		}
	}
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu/openblas-openmp", "/usr/lib/aarch64-linux-gnu/openblas-openmp"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "libopenblas*.so*")); len(m) > 0 {
			return dir
		}
	}
	return ""
}

// ensureTorch makes torch importable in python, installing Debian's
// python3-torch when running as root. It returns "" when torch is usable,
// else the reason the PyTorch column is skipped. It also installs
// libopenblas0-openmp (as root) when torch imports but that BLAS is missing.
func ensureTorch(log io.Writer, python string, install bool) (skip string) {
	if _, err := os.Stat(python); err != nil {
		return fmt.Sprintf("skipped: %s not found", python)
	}
	ok, why := torchImports(python)
	if ok {
		if openblasOpenMPDir() == "" && install && os.Geteuid() == 0 {
			fmt.Fprintf(log, "mafcbench: installing libopenblas0-openmp for stable PyTorch timings\n")
			if err := aptInstall(log, "libopenblas0-openmp"); err != nil {
				fmt.Fprintf(log, "mafcbench: warning: %v; PyTorch runs with its default BLAS\n", err)
			}
		}
		return ""
	}
	fmt.Fprintf(log, "mafcbench: torch does not import in %s (%s)\n", python, why)
	if !install {
		return "skipped: torch not importable (-install=false)"
	}
	if os.Geteuid() != 0 {
		fmt.Fprintf(log, "mafcbench: NOT measuring PyTorch: installing it needs root. Run\n"+
			"    sudo apt-get update && sudo apt-get install -y %s\n"+
			"and run mafcbench again. The PyTorch column is marked skipped.\n", strings.Join(aptPackages, " "))
		return "skipped: torch not installed (needs root: apt-get install python3-torch)"
	}
	fmt.Fprintf(log, "mafcbench: installing Debian's %s (once; takes a few minutes)\n", strings.Join(aptPackages, " "))
	if err := aptInstall(log, aptPackages...); err != nil {
		fmt.Fprintf(log, "mafcbench: NOT measuring PyTorch: %v\n", err)
		return "skipped: installing python3-torch failed"
	}
	if ok, why := torchImports(python); !ok {
		fmt.Fprintf(log, "mafcbench: NOT measuring PyTorch: torch still does not import after installing (%s)\n", why)
		return "skipped: torch does not import"
	}
	return ""
}

// torchEnv returns the environment of the python process: T threads for
// OpenMP and BLAS, libopenblas0-openmp's folder first on LD_LIBRARY_PATH.
func torchEnv(threads int) (env []string, blasDir string) {
	t := strconv.Itoa(threads)
	drop := map[string]bool{"OMP_NUM_THREADS": true, "OPENBLAS_NUM_THREADS": true, "MKL_NUM_THREADS": true, "LD_LIBRARY_PATH": true}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "PYTHONUNBUFFERED=1")
	ld := os.Getenv("LD_LIBRARY_PATH")
	if blasDir = openblasOpenMPDir(); blasDir != "" {
		if ld != "" {
			ld = blasDir + ":" + ld
		} else {
			ld = blasDir
		}
	}
	if ld != "" {
		env = append(env, "LD_LIBRARY_PATH="+ld)
	}
	return env, blasDir
}

// torchWorker is the PyTorch side: the embedded script in --serve mode,
// answering one JSON request per line.
type torchWorker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	dir    string
	mu     sync.Mutex
	stderr *tailBuffer
}

// startTorch writes the script to a temporary folder and starts it.
func startTorch(python string, threads int, stderr io.Writer) (*torchWorker, error) {
	dir, err := os.MkdirTemp("", "mafcbench-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "torchbench.py")
	if err := os.WriteFile(script, torchScript, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(python, script, "--serve", "--threads", strconv.Itoa(threads))
	cmd.Env, _ = torchEnv(threads)
	tail := &tailBuffer{w: stderr}
	cmd.Stderr = tail
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &torchWorker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16), dir: dir, stderr: tail}, nil
}

// call sends one request and decodes the one-line reply into reply.
func (w *torchWorker) call(req map[string]any, reply any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, _ := json.Marshal(req)
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		return &workerDied{fmt.Sprintf("the PyTorch worker is gone (%v)%s", err, w.stderr.last())}
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		return &workerDied{fmt.Sprintf("the PyTorch worker exited (%v)%s", err, w.stderr.last())}
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(line, &e) == nil && e.Error != "" {
		return errors.New(e.Error)
	}
	if err := json.Unmarshal(line, reply); err != nil {
		return fmt.Errorf("pytorch worker: bad reply %q: %v", line, err)
	}
	return nil
}

// close asks the worker for its summary (the one JSON object of timings it
// prints at the end), waits for it and removes the temporary folder.
func (w *torchWorker) close() (summary json.RawMessage) {
	w.mu.Lock()
	b, _ := json.Marshal(map[string]any{"op": "quit"})
	w.in.Write(append(b, '\n'))
	w.in.Close()
	if line, err := w.out.ReadBytes('\n'); err == nil {
		summary = json.RawMessage(line)
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(w.dir)
	return summary
}

// tailBuffer passes the worker's stderr through and keeps its last lines
// for error messages.
type tailBuffer struct {
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	t.mu.Unlock()
	if t.w != nil {
		t.w.Write(p)
	}
	return len(p), nil
}

func (t *tailBuffer) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return ""
	}
	return "\n" + s
}

// workerDied reports that the python process ended (a crash, the OOM
// killer): the client starts a new one for the next case.
type workerDied struct{ msg string }

func (e *workerDied) Error() string { return e.msg }

// kill ends the worker process at once.
func (w *torchWorker) kill() {
	w.in.Close()
	w.cmd.Process.Kill()
	w.cmd.Wait()
	os.RemoveAll(w.dir)
}

// torchClient is the torchSide of measure: it starts the worker on first
// use and again after it died.
type torchClient struct {
	python    string
	threads   int
	log       io.Writer
	w         *torchWorker
	summaries []json.RawMessage
}

func (c *torchClient) do(req map[string]any, reply any) error {
	if c.w == nil {
		w, err := startTorch(c.python, c.threads, c.log)
		if err != nil {
			return err
		}
		c.w = w
	}
	err := c.w.call(req, reply)
	var died *workerDied
	if errors.As(err, &died) {
		c.w.kill()
		c.w = nil
	}
	return err
}

// info returns the worker's description of torch (version, BLAS, threads).
func (c *torchClient) info() (map[string]any, error) {
	var m map[string]any
	err := c.do(map[string]any{"op": "info"}, &m)
	return m, err
}

func (c *torchClient) setup(key string) (float64, bool, error) {
	var r struct {
		Est  float64 `json:"est_s"`
		Warm bool    `json:"warm"`
	}
	err := c.do(map[string]any{"op": "setup", "case": key}, &r)
	return r.Est, r.Warm, err
}

func (c *torchClient) time(key string, n, warmup int) ([]float64, error) {
	var r struct {
		Times []float64 `json:"times"`
	}
	if err := c.do(map[string]any{"op": "time", "case": key, "n": n, "warmup": warmup}, &r); err != nil {
		return nil, err
	}
	if len(r.Times) == 0 {
		return nil, errors.New("the PyTorch worker returned no times")
	}
	return r.Times, nil
}

func (c *torchClient) free(key string) {
	if c.w != nil {
		var r struct{}
		c.do(map[string]any{"op": "free", "case": key}, &r)
	}
}

func (c *torchClient) pid() int {
	if c.w == nil || c.w.cmd.Process == nil {
		return 0
	}
	return c.w.cmd.Process.Pid
}

// close stops the worker and keeps its summary (the script's JSON object of
// timings).
func (c *torchClient) close() {
	if c.w != nil {
		if s := c.w.close(); len(s) > 0 {
			c.summaries = append(c.summaries, s)
		}
		c.w = nil
	}
}
