#!/usr/bin/env bash
# Serve the packaged SmolLM2-135M-Instruct with llama.cpp's OpenAI-compatible server, in the
# foreground, at http://127.0.0.1:${PORT:-8080}/v1 (model id: smollm2-135m-instruct).
#   bash scripts/serve_local.sh &                     # then:
#   python -m summeval run configs/served.yaml
# Installs xllamacpp (a prebuilt CPU wheel of llama.cpp) into .venv when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${VIRTUAL_ENV:-}" ] || { [ -x .venv/bin/python ] || bash scripts/setup.sh; . .venv/bin/activate; }
python -c "import xllamacpp" 2>/dev/null \
  || python -m pip install -q --disable-pip-version-check xllamacpp 2>&1 | grep -v "is ignored" || true
exec python scripts/serve_local.py --port "${PORT:-8080}" "$@"
