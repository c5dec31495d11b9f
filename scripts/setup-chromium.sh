#!/usr/bin/env bash
# Installs what the browser test needs from Debian's packages: Chromium (no browser download of its
# own) and the fonts a reader's phone has (CJK, including Extension B, and colour emoji), without
# which Chinese text would be measured and drawn as boxes. Idempotent: does nothing when they are
# there. Runs as root (CI and the developers' machines); elsewhere it says what to install.
set -euo pipefail
PACKAGES="chromium fonts-noto-cjk fonts-noto-color-emoji"
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -q 'Noto Sans CJK' && fc-list 2>/dev/null | grep -q 'Noto Color Emoji'; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "the browser test needs: apt-get install -y $PACKAGES (run as root, or install them yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt run on the machine (unattended upgrades, a second test set-up) holds dpkg's lock for a
# while: wait for it rather than fail the test set-up.
WAIT="-o DPkg::Lock::Timeout=600"
apt-get $WAIT update -qq
apt-get $WAIT install -y -qq --no-install-recommends $PACKAGES >/dev/null
