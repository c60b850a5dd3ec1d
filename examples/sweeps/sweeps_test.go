package sweeps

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestSlurmScript: bash -n accepts the script, which drives mafc train
// with the array task's seed and output directory.
func TestSlurmScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "the Slurm example is checked with bash -n")
	out, err := exec.Command(bash, "-n", "slurm-array.sh").CombinedOutput()
	require.NoError(t, err, "bash -n slurm-array.sh:\n%s", out)
	b, err := os.ReadFile("slurm-array.sh")
	require.NoError(t, err)
	for _, want := range []string{`train "$spec" -seed "$SLURM_ARRAY_TASK_ID" -o "runs/seed-$SLURM_ARRAY_TASK_ID"`, "srun --mpi=pmix", "#SBATCH "} {
		require.Contains(t, string(b), want)
	}
}

// TestIndexedJob: the manifest is a batch/v1 Job in Indexed completion
// mode whose container runs mafc train with the completion index as seed
// and output directory.
func TestIndexedJob(t *testing.T) {
	b, err := os.ReadFile("k8s-indexed-job.yaml")
	require.NoError(t, err)
	var job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Spec       struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Parallelism    int    `yaml:"parallelism"`
			Template       struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Name    string   `yaml:"name"`
						Image   string   `yaml:"image"`
						Command []string `yaml:"command"`
						Args    []string `yaml:"args"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	require.NoError(t, dec.Decode(&job))
	require.Equal(t, "batch/v1", job.APIVersion)
	require.Equal(t, "Job", job.Kind)
	require.Equal(t, "Indexed", job.Spec.CompletionMode)
	require.Positive(t, job.Spec.Completions)
	require.Positive(t, job.Spec.Parallelism)
	require.Contains(t, []string{"Never", "OnFailure"}, job.Spec.Template.Spec.RestartPolicy)
	require.Len(t, job.Spec.Template.Spec.Containers, 1)
	c := job.Spec.Template.Spec.Containers[0]
	require.NotEmpty(t, c.Image)
	cmdline := strings.Join(append(c.Command, c.Args...), " ")
	for _, want := range []string{"mafc train ", "-seed $((JOB_COMPLETION_INDEX + 1))", "-o /runs/seed-$((JOB_COMPLETION_INDEX + 1))"} {
		require.Contains(t, cmdline, want)
	}
	// The shell line itself parses.
	bash, err := exec.LookPath("sh")
	require.NoError(t, err)
	out, err := exec.Command(bash, "-n", "-c", c.Args[0]).CombinedOutput()
	require.NoError(t, err, "sh -n of the container's command:\n%s", out)
}

// TestIsingScanScript runs the temperature scan with stand-ins for mafc
// and isingscan that log their arguments: the T_c run first, then each
// chain warm-started from its neighbour with EXTRA (EXTRA_LOW below T_c)
// more steps, the figure
// last; a rerun trains nothing again, and a temperature without its
// report.json is resumed in place.
func TestIsingScanScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "the scan script needs bash")
	out, err := exec.Command(bash, "-n", "ising16-scan.sh").CombinedOutput()
	require.NoError(t, err, "bash -n ising16-scan.sh:\n%s", out)

	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	stub := filepath.Join(dir, "mafc")
	// The stand-in records its arguments and, like mafc train, leaves a
	// run directory with a report.json; history lists the directories a
	// run was copied through.
	require.NoError(t, os.WriteFile(stub, []byte(`#!/usr/bin/env bash
echo "mafc $*" >> "$CALLS"
while [[ $# -gt 0 ]]; do
	if [[ $1 == -o ]]; then d=$2; fi
	shift
done
mkdir -p "$d"
basename "$d" >> "$d/history"
echo '{}' > "$d/report.json"
`), 0o755))
	scan := filepath.Join(dir, "isingscan")
	require.NoError(t, os.WriteFile(scan, []byte("#!/usr/bin/env bash\necho \"isingscan $*\" >> \"$CALLS\"\n"), 0o755))

	runs := filepath.Join(dir, "runs")
	run := func() []string {
		t.Helper()
		require.NoError(t, os.Remove(log), "")
		cmd := exec.Command(bash, "ising16-scan.sh", runs)
		cmd.Env = append(os.Environ(), "CALLS="+log, "MAFC="+stub, "ISINGSCAN="+scan, "EXTRA=100", "EXTRA_LOW=300", "WORKERS=1")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "ising16-scan.sh:\n%s", b)
		calls, err := os.ReadFile(log)
		require.NoError(t, err)
		return strings.Split(strings.TrimSpace(string(calls)), "\n")
	}
	require.NoError(t, os.WriteFile(log, nil, 0o644))
	calls := run()
	require.Len(t, calls, 8, "calls:\n%s", strings.Join(calls, "\n"))
	tc := "T2.269185314213022"
	require.Equal(t, "mafc train examples/ising16_cnn4.maf -laplacian hutchinson -steps 2000 -workers 1 -o "+filepath.Join(runs, tc), calls[0])
	for i, want := range []struct {
		T     string
		steps int
	}{{"2.4", 2100}, {"2.6", 2200}, {"3.0", 2300}, {"2.2", 2300}, {"2.0", 2600}, {"1.8", 2900}} {
		c := calls[1+i]
		require.Contains(t, c, "-override -set train.objective.T="+want.T+" -set train.optimizer.schedule=constant -lr 2e-3", c)
		require.True(t, strings.HasSuffix(c, fmt.Sprintf("-steps %d -workers 1 -o %s", want.steps, filepath.Join(runs, "T"+want.T))), c)
	}
	require.True(t, strings.HasPrefix(calls[7], "isingscan -o "+filepath.Join(runs, "scan.png")+" "), calls[7])
	require.Equal(t, 7, strings.Count(calls[7], filepath.Join(runs, "T")), calls[7])
	history := func(T string) string {
		b, err := os.ReadFile(filepath.Join(runs, "T"+T, "history"))
		require.NoError(t, err)
		return strings.Join(strings.Fields(string(b)), " ")
	}
	require.Equal(t, tc+" T2.4 T2.6 T3.0", history("3.0"), "T = 3.0 warm-starts from 2.6, 2.6 from 2.4, 2.4 from T_c")
	require.Equal(t, tc+" T2.2 T2.0 T1.8", history("1.8"))

	// Done runs are not trained again; one without its report is resumed
	// where it stands, not copied again.
	calls = run()
	require.Len(t, calls, 1, "a rerun trains nothing:\n%s", strings.Join(calls, "\n"))
	require.NoError(t, os.Remove(filepath.Join(runs, "T2.0", "report.json")))
	calls = run()
	require.Len(t, calls, 2, "calls:\n%s", strings.Join(calls, "\n"))
	require.Contains(t, calls[0], "-o "+filepath.Join(runs, "T2.0"))
	require.Equal(t, tc+" T2.2 T2.0 T2.0", history("2.0"))
}
