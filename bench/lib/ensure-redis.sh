#!/usr/bin/env bash
# The BullMQ rows need Debian's redis-server (benchmarks only). Install it when it is missing and
# we may (root); otherwise say how. Exit 1 leaves the BullMQ rows out of the run.
set -euo pipefail
command -v redis-server >/dev/null && exit 0
[ -x /usr/bin/redis-server ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's redis-server for the BullMQ rows of the benchmark" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package's service is not started: the bench runs its own instance on a free port.
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=120 redis-server >/dev/null
  command -v service >/dev/null && service redis-server stop >/dev/null 2>&1 || true
else
  echo "the BullMQ rows need redis-server: sudo apt-get install redis-server" >&2
  exit 1
fi
