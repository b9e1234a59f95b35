#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 20) over its seed corpus; a crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DVAPUSH_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVAPUSH_FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_stanza fuzz_command fuzz_config fuzz_push
cd "$BUILD_DIR"
ctest --output-on-failure -L fuzz -j "$JOBS"
