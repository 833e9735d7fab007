#!/usr/bin/env bash
# Install the system libraries Recoup needs (for PDFs) from Debian's packages, if any is
# missing: `make demo` runs it; `make test` runs it with --test, which adds what only the
# tests need (a real IMAP server).
# Idempotent and quick when everything is there (one dpkg-query, no apt).
#
#   WeasyPrint (PDF statements and letters): Pango, and a font with €, £ and umlauts.
#   Dovecot's IMAP server: the customer-replies tests read a real mailbox.
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core   # WeasyPrint
)
if [ "${1:-}" = --test ]; then
  packages+=(dovecot-imapd)                            # tests of recoup inbound (IMAP)
fi

log() { echo "install-system-deps: $*" >&2; }

if ! command -v dpkg-query >/dev/null; then
  log "not a Debian system: make sure these (or their equivalents) are installed: ${packages[*]}"
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  log "missing ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
  exit 1
fi
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y -q "${missing[@]}" >&2; then
  "${as_root[@]}" apt-get update -q >&2
  "${as_root[@]}" apt-get install -y -q "${missing[@]}" >&2
fi
