#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs dependencies, builds vapush warning-free and runs the whole test suite.
#   tools/test.sh            # everything
#   BUILD_DIR=... JOBS=...   # overrides
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DVAPUSH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" --timeout 300)
# Each libFuzzer target briefly over its corpus (set FUZZ=0 to skip locally).
if [ "${FUZZ:-1}" != 0 ]; then
  ./tools/ci-fuzz.sh
fi
# The same suite again under ASan + UBSan (set SANITIZE=0 to skip locally). Last, so the
# run ends with that suite's ctest summary.
if [ "${SANITIZE:-1}" != 0 ]; then
  ./tools/ci-sanitize.sh
fi
