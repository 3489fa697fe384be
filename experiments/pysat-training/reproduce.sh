#!/usr/bin/env bash
# Reproduce the pysat-training scenario: collect the default portfolio on the bundled
# training set, then export the runs as an ASlib scenario (and CSV).
#
#   experiments/pysat-training/reproduce.sh [JOBS]
#
# Resumable: if interrupted, run it again and only the missing runs are done.
# Runtimes depend on the machine; statuses of deterministic solvers should not.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/pysat-training
JOBS="${1:-2}"

asc collect --portfolio portfolios/pysat.toml --instances instances \
    --cutoff-time 10 --mem-limit 2048 --repetitions 1 --seed 0 \
    --jobs "$JOBS" --db "$HERE/runs.sqlite"
asc runs summary --db "$HERE/runs.sqlite" --instances > "$HERE/summary.txt"
asc runs export --db "$HERE/runs.sqlite" --csv "$HERE/runs.csv" \
    --aslib "$HERE/scenario" --scenario-id pysat-training --folds 10 --fold-seed 0
asc aslib validate "$HERE/scenario"
