// Package sweeps holds the tests of the parameter-sweep examples beside it:
// a Slurm job array (slurm-array.sh) and a Kubernetes Indexed Job
// (k8s-indexed-job.yaml) that run one mafc train per array index, and the
// 16×16 Ising temperature scan (ising16-scan.sh), which warm-starts each
// temperature from its neighbour.
package sweeps
