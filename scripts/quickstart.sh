#!/usr/bin/env bash
# Set up, then run the embedded offline default: lead and SmolLM2-135M-Instruct on the
# sample article. Results land in results/base/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate
python -m summeval run configs/base.yaml "$@"
echo "quickstart: done. To use summeval in this shell: . .venv/bin/activate   (then: python -m summeval run configs/base.yaml)" >&2
