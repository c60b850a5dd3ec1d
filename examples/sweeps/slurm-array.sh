#!/usr/bin/env bash
# Sweeps and distributed runs of mafc under Slurm (see the README section
# "Many processes (MPI)").
#
# 1. A seed sweep as a job array: one independent single-node run per seed,
#    each in its own output directory (resumable: resubmitting a task
#    continues its checkpoint).
#
#      sbatch --array=1-8 examples/sweeps/slurm-array.sh
#
#    Temperatures or architectures sweep the same way: map the task ID to
#    a -set override (mafc train SPEC -set train.objective=… ) or to a spec
#    file, as in the commented case statement below.
#
# 2. One run spread over several nodes with MPI (a mafc built with
#    go build -tags mpi ./cmd/mafc):
#
#      MAFC_MODE=mpi sbatch --nodes=8 --ntasks-per-node=1 --cpus-per-task=32 \
#          examples/sweeps/slurm-array.sh
#
#SBATCH --job-name=mafc
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --time=24:00:00
#SBATCH --output=runs/slurm-%A_%a.out
#SBATCH --requeue
set -euo pipefail

spec=${MAFC_SPEC:-testdata/mnist.maf}
mafc=${MAFC:-mafc}
workers=${SLURM_CPUS_PER_TASK:-1}
mkdir -p runs

case "${MAFC_MODE:-array}" in
array)
	seed=${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=FIRST-LAST}
	# A temperature sweep instead: pick T from the task ID.
	# temps=(2.0 2.1 2.2 2.269185 2.3 2.4)
	# extra=(-set "train.objective=variational(ising(L = 16, T = ${temps[$seed]}))")
	extra=()
	exec "$mafc" train "$spec" -seed "$SLURM_ARRAY_TASK_ID" -o "runs/seed-$SLURM_ARRAY_TASK_ID" \
		-workers "$workers" -progress lines "${extra[@]}"
	;;
mpi)
	# One rank per node, -workers goroutines per rank; the shards must be
	# at least the ranks (results depend on -shards, not on the ranks, so
	# the run resumes with another node count as long as -shards stays).
	ranks=${SLURM_NTASKS:?run inside an allocation}
	shards=${MAFC_SHARDS:-$((ranks * workers))}
	# srun starts the ranks through PMIx; mpirun works as well:
	#   mpirun -np "$ranks" --map-by ppr:1:node:PE=$workers "$mafc" train …
	exec srun --mpi=pmix "$mafc" train "$spec" -seed "${MAFC_SEED:-1}" -o "runs/mpi-$SLURM_JOB_ID" \
		-shards "$shards" -workers "$workers" -progress lines
	;;
*)
	echo "MAFC_MODE must be array or mpi, got ${MAFC_MODE}" >&2
	exit 2
	;;
esac
