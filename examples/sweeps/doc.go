// Package sweeps holds the tests of the parameter-sweep examples beside it:
// a Slurm job array (slurm-array.sh) and a Kubernetes Indexed Job
// (k8s-indexed-job.yaml) that run one mafc train per array index.
package sweeps
