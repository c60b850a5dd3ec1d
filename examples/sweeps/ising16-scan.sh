#!/usr/bin/env bash
# The temperature scan of the 16×16 Ising model against Kaufman's exact
# solution (README, Results, "Temperature scan at L = 16"), as one command
# run from the repository's root:
#
#     bash examples/sweeps/ising16-scan.sh [OUT]      (OUT defaults to runs/scan)
#
# It trains the exactly symmetric 4-channel CNN at T_c (2000 steps, one
# Hutchinson probe), then warm-starts each temperature from its neighbour,
# outward from T_c (T_c → 2.4 → 2.6 → 3.0 and T_c → 2.2 → 2.0 → 1.8), with
# EXTRA more steps each at a constant learning rate, and draws F(T), E(T)
# and C(T) from every run's report.json over the exact curves into
# OUT/scan.png (the deviations go to OUT/scan.txt). Each run's end-of-run
# evaluation uses the exact Laplacian. Rerunning it resumes: a temperature
# with a report.json is done; one without continues its checkpoint.
#
# Environment: MAFC (the mafc command, default mafc), SPEC (default
# examples/ising16_cnn4.maf), STEPS (the T_c run's steps, default 2000),
# EXTRA (steps per further temperature, default 150), EXTRA_LOW (the same
# below T_c, where the ordered phase takes longer to learn; default EXTRA),
# LR (their learning rate, default 2e-3), WORKERS (-workers; default: all cores), ISINGSCAN
# (default: go run ./cmd/isingscan).
set -euo pipefail

out=${1:-runs/scan}
mafc=${MAFC:-mafc}
spec=${SPEC:-examples/ising16_cnn4.maf}
steps=${STEPS:-2000}
extra=${EXTRA:-150}
extra_low=${EXTRA_LOW:-$extra}
lr=${LR:-2e-3}
isingscan=${ISINGSCAN:-go run ./cmd/isingscan}
workers=()
if [[ -n ${WORKERS:-} ]]; then
	workers=(-workers "$WORKERS")
fi
tc=2.269185314213022

mkdir -p "$out"
if [[ ! -f $out/T$tc/report.json ]]; then
	$mafc train "$spec" -laplacian hutchinson -steps "$steps" "${workers[@]}" -o "$out/T$tc"
fi

# chain PER T1 T2 ...: each temperature starts from a copy of the previous
# one's run (the first from T_c's) and trains PER steps beyond it.
chain() {
	local per=$1 prev=$tc n=$steps t
	shift
	for t in "$@"; do
		n=$((n + per))
		if [[ ! -f $out/T$t/report.json ]]; then
			if [[ ! -d $out/T$t ]]; then
				cp -r "$out/T$prev" "$out/T$t.tmp"
				rm -f "$out/T$t.tmp/report.json" "$out/T$t.tmp/figure.png"
				mv "$out/T$t.tmp" "$out/T$t"
			fi
			$mafc train "$spec" -laplacian hutchinson -override \
				-set "train.objective.T=$t" -set train.optimizer.schedule=constant -lr "$lr" \
				-steps "$n" "${workers[@]}" -o "$out/T$t"
		fi
		prev=$t
	done
}
chain "$extra" 2.4 2.6 3.0
chain "$extra_low" 2.2 2.0 1.8

$isingscan -o "$out/scan.png" "$out"/T*/ | tee "$out/scan.txt"
