#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) in
# build-asan/ and runs the whole test suite there: any leak, overflow or UB in vapushd,
# vapushctl or a unit test fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DVAPUSH_SANITIZE=ON -DVAPUSH_WERROR=ON -DVAPUSH_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
  >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$BUILD_DIR"
# Packaging is checked in the normal build; here every other test runs.
ctest --output-on-failure -j "$JOBS" --timeout 300 -E it_test_packaging
