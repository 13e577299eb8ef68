#!/usr/bin/env bash
# Set up, then run the embedded offline default: lead-1 and SmolLM2-135M-Instruct write a
# summary and a headline for shipped Wikinews articles, scored against the human ledes and
# headlines. Results land in results/base/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate
python -m summeval run configs/base.yaml "$@"
echo "quickstart: done. To use summeval in this shell: . .venv/bin/activate   (then: python -m summeval run configs/base.yaml)" >&2
