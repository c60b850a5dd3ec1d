package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/resnet"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
	"github.com/mafc-dev/mafc/train/commtest"
)

// trainRanks runs mafc train with args on n in-process ranks (package
// commtest; n = 1: no Comm at all) and returns each rank's exit status,
// stdout and stderr.
func trainRanks(t *testing.T, n int, m Model, args ...string) (codes []int, stdout, stderr []string) {
	t.Helper()
	var comms []train.Comm
	if n > 1 {
		comms = commtest.Group(n)
	}
	codes, stdout, stderr = make([]int, n), make([]string, n), make([]string, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c train.Comm
			if comms != nil {
				c = comms[r]
			}
			var o, e bytes.Buffer
			codes[r] = RunComm("train", m, args, &o, &e, c)
			stdout[r], stderr[r] = o.String(), e.String()
		}()
	}
	wg.Wait()
	return codes, stdout, stderr
}

func modelOf(newPot func() mafcrt.Potential) Model {
	return Model{Prog: newPot().Program(), New: newPot}
}

// runFiles returns what a run directory holds that must not depend on the
// number of processes: θ and the optimiser's state bit for bit, the
// metrics without timings, report.json without timings, the file names.
func runFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
	require.NoError(t, err)
	hex := func(v []float64) string {
		var b strings.Builder
		for _, x := range v {
			fmt.Fprintf(&b, "%x ", math.Float64bits(x))
		}
		return b.String()
	}
	out["params"] = hex(st.Params)
	for k, v := range st.Optim {
		out["optim "+k] = hex(v)
	}
	out["step"] = fmt.Sprint(st.Step)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	out["files"] = strings.Join(names, " ")
	m, err := os.ReadFile(filepath.Join(dir, metricsName))
	require.NoError(t, err)
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(m)), "\n") {
		f := strings.Split(line, ",")
		rows = append(rows, strings.Join(f[:6], ",")) // step … grad_norm, not seconds, samples_per_s
	}
	out["metrics"] = strings.Join(rows, "\n")
	if b, err := os.ReadFile(filepath.Join(dir, "report.json")); err == nil {
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		dropTimes(v, dir)
		b, _ := json.MarshalIndent(v, "", " ")
		out["report"] = string(b)
	}
	return out
}

// dropTimes removes the "seconds" fields and the run directory from a
// decoded report.json.
func dropTimes(v any, dir string) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "seconds")
		delete(v, "processes")
		for k, x := range v {
			if s, ok := x.(string); ok {
				v[k] = strings.ReplaceAll(s, dir, "DIR")
			}
			dropTimes(x, dir)
		}
	case []any:
		for i, x := range v {
			if s, ok := x.(string); ok {
				v[i] = strings.ReplaceAll(s, dir, "DIR")
			}
			dropTimes(x, dir)
		}
	}
}

// TestTrainSpreadOverProcesses: mafc train on 2 and 3 in-process ranks
// writes, from rank 0 alone, the checkpoint, metrics and report of one
// process (θ, optimiser state, losses, the distributed final evaluation and
// the periodic validation NLLs bit for bit), and the other ranks print
// nothing.
func TestTrainSpreadOverProcesses(t *testing.T) {
	points := filepath.Join(t.TempDir(), "points.csv")
	var csv strings.Builder
	for i := range 40 {
		for j := range 64 {
			if j > 0 {
				csv.WriteString(",")
			}
			fmt.Fprintf(&csv, "%g", math.Sin(float64(3*i+j)))
		}
		csv.WriteString("\n")
	}
	require.NoError(t, os.WriteFile(points, []byte(csv.String()), 0o644))
	cases := []struct {
		name string
		m    Model
		args []string
	}{
		{"ising8 variational", modelOf(func() mafcrt.Potential { return ising8.New() }), []string{"-batch", "12", "-steps", "4", "-eval-samples", "100"}},
		{"resnet gaussian", modelOf(func() mafcrt.Potential { return resnet.New() }), []string{"-batch", "12", "-steps", "3", "-eval-samples", "60"}},
		{"ising8 data file", modelOf(func() mafcrt.Potential { return ising8.New() }), []string{"-batch", "12", "-steps", "3", "-data", points, "-validation", "0.25", "-eval-samples", "30"}},
	}
	common := []string{"-shards", "3", "-workers", "1", "-checkpoint-every", "2", "-progress", "lines", "-seed", "5"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want map[string]string
			for _, n := range []int{1, 2, 3} {
				dir := filepath.Join(t.TempDir(), "run")
				codes, stdout, stderr := trainRanks(t, n, c.m, append(append([]string{"-o", dir}, common...), c.args...)...)
				for r := range n {
					require.Equal(t, 0, codes[r], "rank %d of %d: stderr:\n%s", r, n, stderr[r])
					if r > 0 {
						require.Empty(t, stdout[r]+stderr[r], "rank %d of %d printed", r, n)
					}
				}
				if n > 1 {
					require.Contains(t, stdout[0], fmt.Sprintf("spread over %d processes", n))
				}
				got := runFiles(t, dir)
				if want == nil {
					want = got
					require.NotEmpty(t, want["report"], "one process wrote no report.json")
					continue
				}
				for k, w := range want {
					require.Equal(t, w, got[k], "%d processes: %s differs from one process", n, k)
				}
			}
		})
	}
}

// TestResumeWithOtherProcessCount: a run stopped on 2 ranks resumes on 1,
// and one stopped on 1 resumes on 3 (the same shards), both ending bit for
// bit where an uninterrupted run ends; rank 0 sends the checkpoint to the
// others.
func TestResumeWithOtherProcessCount(t *testing.T) {
	m := modelOf(func() mafcrt.Potential { return ising8.New() })
	args := func(dir string, steps int) []string {
		return []string{"-o", dir, "-steps", fmt.Sprint(steps), "-batch", "12", "-shards", "3", "-workers", "1",
			"-checkpoint-every", "2", "-progress", "lines", "-eval-samples", "24"}
	}
	base := t.TempDir()
	full := filepath.Join(base, "full")
	codes, _, stderr := trainRanks(t, 1, m, args(full, 4)...)
	require.Equal(t, 0, codes[0], stderr[0])
	want := runFiles(t, full)
	for _, counts := range [][2]int{{2, 1}, {1, 3}} {
		dir := filepath.Join(base, fmt.Sprintf("from%dto%d", counts[0], counts[1]))
		codes, _, stderr := trainRanks(t, counts[0], m, args(dir, 2)...)
		require.Equal(t, 0, codes[0], stderr[0])
		codes, stdout, stderr := trainRanks(t, counts[1], m, args(dir, 4)...)
		for r := range codes {
			require.Equal(t, 0, codes[r], "rank %d: %s", r, stderr[r])
		}
		require.Contains(t, stdout[0], "resuming ising8")
		got := runFiles(t, dir)
		for _, k := range []string{"params", "optim adam.m", "optim adam.v", "metrics", "step"} {
			require.Equal(t, want[k], got[k], "%d then %d processes: %s differs from one uninterrupted process", counts[0], counts[1], k)
		}
	}
}

// TestOnlyTrainIsSpread: sample and eval refuse to run on several ranks.
func TestOnlyTrainIsSpread(t *testing.T) {
	m := modelOf(func() mafcrt.Potential { return ising8.New() })
	comms := commtest.Group(2)
	var e bytes.Buffer
	require.Equal(t, 2, RunComm("sample", m, []string{"-ckpt", "x"}, &bytes.Buffer{}, &e, comms[0]))
	require.Contains(t, e.String(), "mafc sample: runs in one process: start it without mpirun")
}
