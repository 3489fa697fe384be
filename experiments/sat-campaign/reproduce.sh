#!/usr/bin/env bash
# The SAT training campaign of issue 26, stage by stage (each resumable: rerun to continue).
#
#   experiments/sat-campaign/reproduce.sh STAGE... [--jobs N]
#   experiments/sat-campaign/reproduce.sh all [--jobs N]
#
# Stages, in order (each prints how long it should take before it starts):
#   estimate   how long the stages below take, from calibration.csv (and the pre-screen when run)
#   generate   write the candidate pool into instances/ (generated/ from the seeds, shared/ copied
#              from ../shared/instances), instances/MANIFEST.csv and candidates.txt; seconds
#   check      regenerate the pool in memory and compare with the manifest's checksums
#   prescreen  kissat404 alone on every candidate, cutoff 60 s, 2 GiB (prescreen.sqlite)
#   select     instances.txt (the campaign's instances) and sample.txt (a few per family) from
#              the pre-screen, by the rule of campaign.py select_instances; selection.txt reports it
#   sample     every python-sat backend (portfolios/pysat.toml) on sample.txt (sample.sqlite)
#   prune      asc portfolio prune on sample.sqlite: portfolio.toml (the pruned portfolio), prune.txt
#   collect    portfolio.toml on instances.txt (runs.sqlite; the sample's runs of the chosen
#              backends are imported first, not run again)
#   features   SATzilla features of the selected instances (features.csv), one process
#   export     runs.csv, summary.txt and the ASlib scenario (scenario/), then asc aslib validate
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=experiments/sat-campaign
PY=${PYTHON:-python}
CUTOFF=60
MEM=2048
JOBS=2
STAGES=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --jobs) JOBS="$2"; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        all) STAGES+=(generate prescreen select sample prune collect features export); shift ;;
        estimate|generate|check|prescreen|select|sample|prune|collect|features|export) STAGES+=("$1"); shift ;;
        *) echo "usage: $0 STAGE... [--jobs N] (stages: see --help)" >&2; exit 2 ;;
    esac
done
[[ ${#STAGES[@]} -gt 0 ]] || { echo "usage: $0 STAGE... [--jobs N] (stages: see --help)" >&2; exit 2; }

for stage in "${STAGES[@]}"; do
    echo "== $stage ($(date -u +%H:%M:%S) UTC)" >&2
    case "$stage" in
        estimate) $PY "$HERE/campaign.py" estimate --jobs "$JOBS" ;;
        generate) $PY "$HERE/campaign.py" generate ;;
        check) $PY "$HERE/campaign.py" generate --check ;;
        prescreen)
            $PY "$HERE/campaign.py" estimate --jobs "$JOBS" --stage prescreen >&2
            asc collect --portfolio "$HERE/screen.toml" --instances "$HERE/candidates.txt" \
                --cutoff-time "$CUTOFF" --mem-limit "$MEM" --repetitions 1 --seed 0 \
                --jobs "$JOBS" --db "$HERE/prescreen.sqlite"
            asc runs summary --db "$HERE/prescreen.sqlite" > "$HERE/prescreen-summary.txt" ;;
        select) $PY "$HERE/campaign.py" select --db "$HERE/prescreen.sqlite" | tee "$HERE/selection.txt" ;;
        sample)
            $PY "$HERE/campaign.py" estimate --jobs "$JOBS" --stage sample >&2
            asc collect --portfolio portfolios/pysat.toml --instances "$HERE/sample.txt" \
                --cutoff-time "$CUTOFF" --mem-limit "$MEM" --repetitions 1 --seed 0 \
                --jobs "$JOBS" --db "$HERE/sample.sqlite" ;;
        prune)
            asc portfolio prune "$HERE/sample.sqlite" --margin 0.05 --portfolio portfolios/pysat.toml \
                -o "$HERE/portfolio.toml" > "$HERE/prune.txt"
            asc portfolio prune "$HERE/sample.sqlite" --margin 0.05 --portfolio portfolios/pysat.toml \
                --format json > "$HERE/prune.json"
            cat "$HERE/prune.txt" ;;
        collect)
            $PY "$HERE/campaign.py" estimate --jobs "$JOBS" --stage collect >&2
            if [[ ! -f $HERE/runs.sqlite ]]; then
                # the sample's runs of the chosen backends count: same instances, limits and seeds
                asc runs export --db "$HERE/sample.sqlite" --csv "$HERE/sample-runs.csv"
                $PY "$HERE/campaign.py" keep-runs "$HERE/sample-runs.csv" "$HERE/portfolio.toml" \
                    "$HERE/sample-kept.csv"
                asc runs import "$HERE/sample-kept.csv" --db "$HERE/runs.sqlite"
            fi
            asc collect --portfolio "$HERE/portfolio.toml" --instances "$HERE/instances.txt" \
                --cutoff-time "$CUTOFF" --mem-limit "$MEM" --repetitions 1 --seed 0 \
                --jobs "$JOBS" --db "$HERE/runs.sqlite" ;;
        features)
            # one process: feature costs are charged to selectors, so they are measured alone
            mapfile -t FILES < <(grep -v '^#' "$HERE/instances.txt" | sed "s|^|$HERE/|")
            asc features --no-progress -o "$HERE/features.csv" "${FILES[@]}" ;;
        export)
            asc runs summary --db "$HERE/runs.sqlite" --instances > "$HERE/summary.txt"
            asc runs export --db "$HERE/runs.sqlite" --csv "$HERE/runs.csv" \
                --aslib "$HERE/scenario" --scenario-id sat-campaign --folds 10 --fold-seed 0 \
                --features "$HERE/features.csv"
            asc aslib validate "$HERE/scenario" ;;
    esac
done
