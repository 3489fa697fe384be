#!/usr/bin/env bash
# Reproduce the pysat-training scenario: the runs of the default portfolio on the bundled
# training set, SATzilla features of its instances, exported as an ASlib scenario (and CSV).
#
#   experiments/pysat-training/reproduce.sh [--collect] [JOBS]
#
# Where the runs come from:
#   - runs.sqlite present: `asc collect` resumes it (only missing runs are done; a
#     complete store finishes at once). Interrupted? Run the script again.
#   - runs.sqlite absent, runs.csv present (a fresh checkout: the store is not committed):
#     the committed runs are imported with `asc runs import`, nothing is re-run.
#   - --collect, or neither file present: the runs are collected (about 30 minutes with
#     2 jobs), which replaces runs.csv. To re-collect from scratch, delete runs.sqlite and
#     pass --collect.
# Features are always recomputed (`asc features`, a few seconds); their values are
# deterministic, their costs are this machine's.
# Runtimes depend on the machine; statuses of deterministic solvers should not.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/pysat-training
DB="$HERE/runs.sqlite"
COLLECT=0
JOBS=2
for arg in "$@"; do
    case "$arg" in
        --collect) COLLECT=1 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *[!0-9]*|'') echo "usage: $0 [--collect] [JOBS]" >&2; exit 2 ;;
        *) JOBS="$arg" ;;
    esac
done

# Limits of the committed collection. runs.csv exported since records them (and the import checks
# that they agree); the committed runs.csv predates that, so the import is told them here.
CUTOFF=10
MEM=2048

if [[ $COLLECT == 1 || -f $DB || ! -f $HERE/runs.csv ]]; then
    asc collect --portfolio portfolios/pysat.toml --instances instances \
        --cutoff-time "$CUTOFF" --mem-limit "$MEM" --repetitions 1 --seed 0 \
        --jobs "$JOBS" --db "$DB"
else
    echo "reproduce.sh: $DB absent: importing the committed $HERE/runs.csv (re-collect with --collect)" >&2
    asc runs import "$HERE/runs.csv" --db "$DB" --cutoff-time "$CUTOFF" --mem-limit "$MEM"
fi
asc runs summary --db "$DB" --instances > "$HERE/summary.txt"
# One process: feature costs are charged to selectors, so they are measured without
# competition from parallel workers.
asc features instances --no-progress -o "$HERE/features.csv"
asc runs export --db "$DB" --csv "$HERE/runs.csv" \
    --aslib "$HERE/scenario" --scenario-id pysat-training --folds 10 --fold-seed 0 \
    --features "$HERE/features.csv"
asc aslib validate "$HERE/scenario"
