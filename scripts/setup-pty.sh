#!/usr/bin/env bash
# Installs util-linux's `script` (Debian's bsdutils), which the terminal test runs the CLI under: a
# real pseudo-terminal, where Ctrl-C is the terminal's own SIGINT. Idempotent: does nothing when it is
# there (bsdutils is essential on Debian). Runs as root (CI); elsewhere it says what to install.
set -euo pipefail
if command -v script >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "the terminal test needs util-linux's script: apt-get install -y bsdutils (run as root, or install it yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends bsdutils >/dev/null
