package sweeps

import (
	"os"
	"os/exec"
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
