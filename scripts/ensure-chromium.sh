#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium through playwright-core (which never downloads a
# browser). Install it when it is missing and we may (root); otherwise say how.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's chromium for the end-to-end tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=120 chromium >/dev/null
else
  echo "the end-to-end tests need /usr/bin/chromium: sudo apt-get install chromium" >&2
  exit 1
fi
