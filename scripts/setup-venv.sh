#!/usr/bin/env bash
# Creates .venv with the Python peers the tests use: moto (S3/SSM/SES emulator, server mode) and
# cfn-lint. Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
REQS="moto[server]==5.2.5 cfn-lint==1.58.0"
STAMP=".venv/.wxa-requirements"
if [ -x .venv/bin/moto_server ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQS" ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check $REQS
echo "$REQS" > "$STAMP"
