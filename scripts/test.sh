#!/usr/bin/env bash
# Set up with the test tools, then lint and run the whole test suite (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate
ruff check .
ruff format --check .
python -m pytest "$@"
