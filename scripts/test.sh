#!/usr/bin/env bash
# Set up with the test tools, the ROUGE-1.5.5 oracle and headless Chromium, then lint and run
# the whole test suite (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate
# The official ROUGE-1.5.5 Perl script: the oracle of the ROUGE parity tests (plain Porter).
# Missing, those tests skip with the reason printed; under CI (CI set) they fail instead.
if [ -z "${ROUGE155_HOME:-}" ]; then
  if home=$(EMPTY_EXC_DB=1 bash scripts/rouge155_setup.sh python); then
    export ROUGE155_HOME="$home"
  else
    echo "test: installing the ROUGE-1.5.5 oracle failed (needs Perl's XML::Parser: libxml-parser-perl)" >&2
  fi
fi
# Headless Chromium for the HTML report test (Debian's chromium package).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "test: installing chromium failed; the browser test will skip (fail under CI)" >&2
fi
ruff check .
ruff format --check .
python -m pytest "$@"
