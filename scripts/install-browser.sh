#!/usr/bin/env bash
# Make sure the browser tests can run: Debian's Chromium at /usr/bin/chromium (the
# Playwright package drives it; no browser is downloaded). Quick and idempotent: does
# nothing when Chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "install-browser: installing Chromium from Debian's packages" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium >&2 || {
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q chromium >&2
}
[ -x /usr/bin/chromium ] || { echo "install-browser: /usr/bin/chromium is still missing" >&2; exit 1; }
