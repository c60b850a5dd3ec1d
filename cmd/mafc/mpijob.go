package main

import (
	"os"
	"strconv"
)

// mpiJob reports whether an MPI launcher started this process, from the
// environment it sets before MPI is initialised: Open MPI's mpirun
// (OMPI_COMM_WORLD_SIZE), PMI launchers such as MPICH's and Slurm's srun
// (PMI_SIZE), PMIx launchers such as srun --mpi=pmix (PMIX_RANK). size is
// the number of processes where the environment says (Slurm:
// SLURM_STEP_NUM_TASKS), else 0.
func mpiJob() (launched bool, size int) {
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"} {
		if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
			size = n
			break
		}
	}
	launched = os.Getenv("OMPI_COMM_WORLD_SIZE") != "" || os.Getenv("PMI_SIZE") != "" || os.Getenv("PMIX_RANK") != ""
	return launched, size
}

// mpiRank returns this process's rank in the MPI job that started it, from
// the launcher's environment (OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK),
// or 0.
func mpiRank() int {
	for _, k := range []string{"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"} {
		if r, err := strconv.Atoi(os.Getenv(k)); err == nil {
			return r
		}
	}
	return 0
}
