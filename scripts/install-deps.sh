#!/usr/bin/env bash
# Installs the Debian packages hetero needs to build, test and benchmark.
# Idempotent: when everything is already installed it only checks (fast).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  ocl-icd-opencl-dev opencl-c-headers ocl-icd-libopencl1 pocl-opencl-icd clinfo
  # a simulated OpenCL GPU that checks the kernels (tests/oclgrind.cmake)
  oclgrind
  libopenmpi-dev openmpi-bin
  # the second MPI the MPI tests run under (.ci/run's mpich stage)
  libmpich-dev mpich
  libcmocka-dev librandom123-dev libcjson-dev libxxhash-dev
  # charts (--plot, SVG and PNG): cairo, and a font for its text
  libcairo2-dev fonts-dejavu-core
  python3 python3-jsonschema
  # house rules: shell scripts (scripts/check-shell.sh), C formatting
  # (scripts/check-format.sh)
  shellcheck clang-format
  # optional: bench peers
  primesieve-bin python3-numba
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
