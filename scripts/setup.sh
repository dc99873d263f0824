#!/usr/bin/env bash
# Installs every Debian package that building, testing and running Ash
# Metrics needs. Run as root (or with sudo available). Safe to run again.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang
  # libraries
  libhiredis-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libcli11-dev libcpp-httplib-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev redis-server redis-tools wrk
  shellcheck python3 python3-yaml curl util-linux
)

run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup: run this script as root, or install sudo" >&2
    exit 1
  fi
}

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
run_as_root apt-get update -q
run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
