#!/usr/bin/env bash
# Check for (and, as root, install) the Debian/Ubuntu packages Shopfloor needs.
#   scripts/system-deps.sh          what running the app needs
#   scripts/system-deps.sh --test   ... plus what the test suite needs (Chromium, redis-server)
# Not root? It prints the exact command to run instead, and fails.
set -euo pipefail

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found. Install Python 3.11 or newer: sudo apt-get install python3 python3-venv" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Shopfloor needs Python 3.11 or newer; $python is $("$python" -V 2>&1)." >&2
  exit 1
fi

missing=()
# venv: Debian's python3 cannot make a virtual environment until python3-venv is installed.
if [ ! -x .venv/bin/python ] && ! "$python" -m ensurepip --version >/dev/null 2>&1; then
  missing+=("python3-venv")
fi
command -v bwrap >/dev/null 2>&1 || missing+=("bubblewrap")  # the lab sandbox
# The apprentice record's PDF (and the browser tests' screenshots) use DejaVu Sans.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=("fonts-dejavu-core")
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || missing+=("chromium")           # browser tests
  # The distributed tests start private Redis servers of their own (tests/redis_server.py).
  command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Shopfloor needs these system packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
