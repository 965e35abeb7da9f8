#!/usr/bin/env bash
# Debian packages the tests use: Chromium for the end-to-end tests (playwright-core never
# downloads a browser) and libfaketime, which shifts the wall clock of one cluster instance in
# cluster-clock.test.ts, and nginx, the reverse proxy of docs/deploy.md that cluster-proxy.test.ts
# runs. Install what is missing when we may (root); otherwise say how.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || missing+=(faketime)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's ${missing[*]} for the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${missing[@]}" >/dev/null
else
  echo "the tests need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
