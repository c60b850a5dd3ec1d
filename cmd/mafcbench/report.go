package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mafc-dev/mafc/cli/figures"
	"github.com/mafc-dev/mafc/runtime/kern"
)

// machine describes where the run happened.
type machine struct {
	CPU        string         `json:"cpu"`
	CPUs       int            `json:"cpus"`
	Go         string         `json:"go"`
	MafcBLAS   string         `json:"mafc_blas"`
	Torch      string         `json:"torch"`
	TorchBLAS  string         `json:"torch_blas"`
	TorchInfo  map[string]any `json:"torch_info,omitempty"`
	Commit     string         `json:"commit"`
	Date       string         `json:"date"`
	Threads    int            `json:"threads"`
	LoadBefore string         `json:"load_before"`
	LoadAfter  string         `json:"load_after"`
	Wall       float64        `json:"wall_seconds"`
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// gitCommit returns `git rev-parse --short HEAD` of the working directory,
// else of the folder this file was compiled from.
func gitCommit() string {
	dirs := []string{""}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dirs = append(dirs, filepath.Dir(file))
	}
	for _, dir := range dirs {
		cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			continue
		}
		commit := strings.TrimSpace(string(out))
		// diff-index is read-only (no index refresh): exit status 1 means
		// the working tree differs from HEAD (or its stat data does).
		diff := exec.Command("git", "diff-index", "--quiet", "HEAD", "--")
		diff.Dir = dir
		diff.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0")
		var ee *exec.ExitError
		if err := diff.Run(); errors.As(err, &ee) && ee.ExitCode() == 1 {
			commit += " + uncommitted changes in the working tree"
		}
		return commit
	}
	return "unknown"
}

func newMachine(threads int) machine {
	return machine{CPU: cpuModel(), CPUs: runtime.NumCPU(), Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		MafcBLAS: kern.BLASName(), Commit: gitCommit(), Date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Threads: threads, LoadBefore: loadAvg(), Torch: "–", TorchBLAS: "–"}
}

func (m *machine) setTorch(info map[string]any) {
	m.TorchInfo = info
	str := func(k string) string { s, _ := info[k].(string); return s }
	m.Torch = str("torch")
	if f := str("functorch"); f != "" {
		m.Torch += " (Debian python3-torch, " + str("executable") + ", Hessian via " + f + ")"
	}
	m.TorchBLAS = str("blas")
	if ld := str("ld_library_path"); ld != "" {
		m.TorchBLAS += " (LD_LIBRARY_PATH=" + ld + ")"
	}
	if n, ok := info["threads"].(float64); ok {
		m.TorchBLAS += fmt.Sprintf(", torch.get_num_threads() = %d", int(n))
	}
}

// report is everything a run writes.
type report struct {
	Machine  machine           `json:"machine"`
	Results  []result          `json:"results"`
	Float32  bool              `json:"float32"`
	Quick    bool              `json:"quick"`
	TorchOut []json.RawMessage `json:"torch_summary,omitempty"`
}

// printTable writes the plain-text table.
func (r *report) printTable(w io.Writer) {
	fmt.Fprintf(w, "\nmafc vs PyTorch %s, %d threads, float64 unless marked; median seconds per call\n\n", r.Machine.Torch, r.Machine.Threads)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tmafc\tPyTorch\tPyTorch/mafc\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", x.Case.Label, cell(x.Mafc, x.MafcNote), cell(x.Torch, x.TorchNote), fmtRatio(x.Ratio()))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, t := range r.targets() {
		fmt.Fprintln(w, "target:", t)
	}
	if s := r.busyNote(); s != "" {
		fmt.Fprintln(w, "warning:", s)
	}
}

// busyNote describes how busy other processes kept the machine, or "" when
// it was quiet.
func (r *report) busyNote() string {
	var worst float64
	var keys []string
	for _, x := range r.Results {
		worst = max(worst, x.OtherCPU)
		if x.OtherCPU >= busyCPU {
			keys = append(keys, fmt.Sprintf("%s %.1f", x.Case.Key, x.OtherCPU))
		}
	}
	if len(keys) == 0 {
		return ""
	}
	return fmt.Sprintf("other processes kept up to %.1f of %d CPUs busy during %d of %d cases (%s); "+
		"their times are inflated, PyTorch's (OpenMP threads that spin at barriers) typically much more than mafc's, "+
		"so their ratios favour mafc: rerun on a quiet machine",
		worst, r.Machine.CPUs, len(keys), len(r.Results), strings.Join(keys, ", "))
}

// targets evaluates the rows that carry a target ratio.
func (r *report) targets() []string {
	var out []string
	for _, x := range r.Results {
		if x.Case.Target == 0 {
			continue
		}
		verdict := "not measured"
		if q := x.Ratio(); !math.IsNaN(q) {
			verdict = "missed"
			if q >= x.Case.Target {
				verdict = "met"
			}
			verdict = fmt.Sprintf("%s (%s)", verdict, fmtRatio(q))
		}
		out = append(out, fmt.Sprintf("%s: mafc ≥ %g× faster than PyTorch — %s", x.Case.Key, x.Case.Target, verdict))
	}
	return out
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// markdown renders bench.md.
func (r *report) markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "# mafc vs PyTorch\n\n")
	fmt.Fprintf(&b, "Written by `go run ./cmd/mafcbench -threads %d%s%s` (see the comment at the top of cmd/mafcbench/main.go).\n",
		m.Threads, map[bool]string{true: " -quick"}[r.Quick], map[bool]string{true: " -float32"}[r.Float32])
	fmt.Fprintf(&b, "Median seconds per call; both sides measured in the same run, interleaved round by round; lower is better. ")
	fmt.Fprintf(&b, "Float64 unless the row says float32.\n\n")
	fmt.Fprintf(&b, "| case | mafc | PyTorch | PyTorch/mafc | rounds (mafc/PyTorch) | other CPU load |\n|---|---:|---:|---:|---:|---:|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d/%d | %.2f |\n", mdEscape(x.Case.Label), mdEscape(cell(x.Mafc, x.MafcNote)),
			mdEscape(cell(x.Torch, x.TorchNote)), fmtRatio(x.Ratio()), x.MafcRounds, x.TorchRounds, x.OtherCPU)
	}
	fmt.Fprintf(&b, "\n*Other CPU load*: mean number of CPUs kept busy by processes other than the two measured ones while the case ran (from /proc/stat).\n")
	if s := r.busyNote(); s != "" {
		fmt.Fprintf(&b, "\n**Warning**: %s.\n", s)
	}
	if ts := r.targets(); len(ts) > 0 {
		fmt.Fprintf(&b, "\nTargets:\n\n")
		for _, t := range ts {
			fmt.Fprintf(&b, "- %s\n", t)
		}
	}
	fmt.Fprintf(&b, "\nMachine:\n\n")
	fmt.Fprintf(&b, "- CPU: %s, %d logical CPUs; %d threads per side (GOMAXPROCS, mafc GEMM threads and trainer workers; torch.set_num_threads, OMP_NUM_THREADS)\n", m.CPU, m.CPUs, m.Threads)
	fmt.Fprintf(&b, "- Go: %s; mafc BLAS: %s\n", m.Go, m.MafcBLAS)
	fmt.Fprintf(&b, "- PyTorch: %s\n", m.Torch)
	fmt.Fprintf(&b, "- PyTorch BLAS: %s\n", m.TorchBLAS)
	fmt.Fprintf(&b, "- mafc commit: %s\n", m.Commit)
	fmt.Fprintf(&b, "- date: %s; load average before %s, after %s; wall time %s\n", m.Date, m.LoadBefore, m.LoadAfter, fmtDur(m.Wall))
	fmt.Fprintf(&b, "\nmafc rows use the checked-in generated packages (Grad; Laplacian, which also returns φ and ∇φ; "+
		"train.Trainer.Step with BenchmarkTrainStep's settings). The PyTorch rows run the embedded torchbench.py; "+
		"every exact-Laplacian row compares the same mafc Laplacian call with a different PyTorch formulation.\n")
	return b.String()
}

// write writes bench.md, bench.png and bench.json into dir.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	var groups []string
	mafcV, torchV := []float64{}, []float64{}
	for _, x := range r.Results {
		groups = append(groups, x.Case.Short)
		mafcV = append(mafcV, x.Mafc)
		torchV = append(torchV, x.Torch)
	}
	title := fmt.Sprintf("mafc vs PyTorch %s, %d threads (lower is better)", firstWord(r.Machine.Torch), r.Machine.Threads)
	return figures.Bars(filepath.Join(dir, "bench.png"), title, "seconds per call", groups,
		[]figures.BarSeries{{Name: "mafc", Values: mafcV}, {Name: "PyTorch", Values: torchV}}, figures.LogY())
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// MarshalJSON writes NaN as null.
func (r result) MarshalJSON() ([]byte, error) {
	num := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return json.Marshal(map[string]any{
		"case": r.Case.Key, "label": r.Case.Label, "mafc_s": num(r.Mafc), "pytorch_s": num(r.Torch),
		"ratio": num(r.Ratio()), "mafc_min_s": num(r.MafcMin), "pytorch_min_s": num(r.TorchMin), "mafc_rounds": r.MafcRounds, "pytorch_rounds": r.TorchRounds,
		"mafc_note": r.MafcNote, "pytorch_note": r.TorchNote, "pytorch_estimate_s": num(r.TorchEst), "other_cpus": r.OtherCPU,
	})
}
