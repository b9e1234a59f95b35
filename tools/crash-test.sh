#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Long kill -9 run of vapushd (CI runs 3 rounds):  tools/crash-test.sh --rounds 100 [--seed N]
# Needs a built tree (BUILD_DIR, default build/). Prints rounds, messages, duplicates.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 seed=1
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2;;
    --seed) seed=$2; shift 2;;
    *) echo "usage: $0 [--rounds N] [--seed N]" >&2; exit 2;;
  esac
done
export VAPUSH_BUILD_DIR=$PWD/${BUILD_DIR:-build} VAPUSH_SOURCE_DIR=$PWD
export VAPUSH_CRASH_ROUNDS=$rounds VAPUSH_CRASH_SEED=$seed
cd tests/integration
exec /usr/bin/python3 -m unittest -v test_faults.CrashTest
