#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every build, test and demo dependency of vapush from Debian 12 packages.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
PKGS=(
  build-essential cmake pkg-config clang-format dpkg-dev adduser clang libclang-rt-14-dev
  libgloox-dev libstrophe-dev libsqlite3-dev sqlite3 libssl-dev openssl
  libcurl4-openssl-dev libnghttp2-dev nghttp2-client libyaml-cpp-dev nlohmann-json3-dev libcpp-httplib-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  ejabberd prosody prosody-modules
  python3 python3-yaml procps iproute2 nodejs tzdata curl
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A nodejs from another source counts if it provides node with http2.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d')
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  # policy-rc.d or not: the distribution's ejabberd/prosody services are not needed;
  # the tests and the demo start private instances on loopback.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all dependencies present"
