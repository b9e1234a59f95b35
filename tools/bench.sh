#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every vapush benchmark against its same-run reference: bash tools/bench.sh [--quick]
# Installs what it needs (Debian packages; @parse/node-apn into bench/node_modules), builds
# a Release tree in build-bench/, then writes bench/results/latest.{md,csv} + tick_scaling.png.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${VAPUSH_BENCH_BUILD:-$ROOT/build-bench}
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi

need=()
command -v h2load >/dev/null || need+=(nghttp2-client)
pkg-config --exists libnghttp2 || need+=(libnghttp2-dev)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
bash tools/install-deps.sh >/dev/null
if [ ! -d bench/node_modules/@parse/node-apn ]; then
  echo "bench: npm install @parse/node-apn (bench/node_modules)"
  (cd bench && timeout 300 npm install --no-audit --no-fund --loglevel=error) ||
    echo "bench: npm install failed; node-apn will be reported as pending"
fi

# Tests are configured only for the rig's XMPP client (end-to-end ingest through ejabberd);
# nothing is registered or run from them here.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DVAPUSH_TESTS=ON -DVAPUSH_BENCH=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target vapushd bench_ingest_load bench_ackonly_component \
  bench_seed_devices bench_tick bench_presence_memory bench_apns_sink bench_push_dispatch \
  vapush-testclient >/dev/null
export VAPUSH_TESTCLIENT=$BUILD/tests/tools/vapush-testclient

export VAPUSH_BENCH_BUILD=$BUILD
python3 bench/run.py "$@" &
RUNNER=$!
trap 'kill "$RUNNER" 2>/dev/null || true; wait "$RUNNER" 2>/dev/null || true' INT TERM
wait "$RUNNER"
