#!/usr/bin/env bash
# Installs the Debian packages servesim builds and tests with, only those
# missing, so a second run on a ready machine costs a few dpkg queries.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config make clang-tidy ccache
  libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev catch2 libsimgrid-dev
  clang libclang-rt-14-dev
  wrk util-linux
  chromium

)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
