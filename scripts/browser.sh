#!/usr/bin/env bash
# Makes Debian's headless browser available for the dashboard's browser test: chromium and its
# chromedriver from Debian's packages (browser downloads do not work here, and Selenium is pointed
# at these two files so it never tries to fetch one). Idempotent: a second run only checks.
set -euo pipefail

log() { printf '[browser.sh] %s\n' "$*" >&2; }

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  log "chromium and chromedriver present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "ERROR: run as root or install sudo"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log "installing chromium and chromium-driver with apt"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { log "ERROR: chromium or chromedriver still missing"; exit 1; }
log "$(/usr/bin/chromium --version 2>/dev/null || true), $(/usr/bin/chromedriver --version 2>/dev/null | head -n1 || true)"
