#!/usr/bin/env bash
# Train the default model of `asc select` / `asc solve` from spec.toml and write it to
# asc/models/default.skops (package data).
#
#   experiments/default-model/reproduce.sh [--evaluate]
#
# --evaluate also cross-validates every candidate selector of the spec (the table in
# README.md; about 11 minutes on one core).
# The scenario is experiments/pysat-training/scenario (see its reproduce.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
SPEC=experiments/default-model/spec.toml
if [[ "${1:-}" == "--evaluate" ]]; then
    python -m asc experiment evaluate "$SPEC" --jobs 1
elif [[ -n "${1:-}" ]]; then
    echo "usage: $0 [--evaluate]" >&2
    exit 2
fi
python -m asc experiment train "$SPEC"
