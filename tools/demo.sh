#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: installs and builds what is needed, then plays a short scene with a private
# ejabberd, vapushd and local APNs/FCM fakes (see tools/demo.py). Stops everything on
# exit or Ctrl-C.  DEMO_INTERVAL=2s overrides the (shortened) batch interval.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-deps.sh >/dev/null
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target vapushd vapush-testclient >/dev/null
export VAPUSH_BUILD_DIR=$PWD/$BUILD_DIR VAPUSH_SOURCE_DIR=$PWD
exec /usr/bin/python3 tools/demo.py "$@"
