#!/usr/bin/env bash
# Installs the Debian 12 packages Ruru needs to build, test and run. Idempotent: when everything
# is installed already it only asks dpkg, so it needs no network and no root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  # build
  build-essential cmake pkg-config git ninja-build ccache lld
  # libraries
  gsoap libgsoap-dev libpqxx-dev libpq-dev libspdlog-dev libfmt-dev libboost-dev
  libboost-system-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev libjemalloc-dev
  # tests: gtest, benchmarks, clang for the sanitizer and libFuzzer builds
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev llvm
  # the database (tests/run.sh and deploy/quickstart.sh start private clusters)
  postgresql-15 postgresql-client-15
  # scripts
  ca-certificates procps iproute2 python3 curl bc
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=()
if [[ $EUID -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    SUDO=(sudo --preserve-env=DEBIAN_FRONTEND)
  else
    echo "install-deps: must run as root (or with sudo available) to install packages" >&2
    exit 1
  fi
fi
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
