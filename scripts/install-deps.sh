#!/usr/bin/env bash
# Installs the Debian 12 packages burnrate needs to build and test, only those that are missing.
# Idempotent: a second run installs nothing and does not touch the network.
# Usage: scripts/install-deps.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libprotobuf-dev protobuf-compiler          # schema: scenarios, results
  libgrpc++-dev protobuf-compiler-grpc       # services (pulls in libabsl-dev)
  libabsl-dev                                # absl::Status / StatusOr
  libboost-dev                               # Boost.Asio (live daemon)
  catch2                                     # tests (v2.13)
  libyaml-cpp-dev                            # YAML scenarios
  libbenchmark-dev                           # bench/
  libfmt-dev                                 # messages and tables
  libcli11-dev                               # command line
  zlib1g-dev                                 # gzip trace input
  chromium fonts-dejavu-core                 # tests: render the HTML report headless
  python3-pandas                             # tests: the pandas examples in docs/outputs.md
  python3-grpcio python3-protobuf            # examples/python: gRPC clients and policies
  clang libclang-rt-14-dev                   # fuzz/: libFuzzer + ASan/UBSan runtimes (make fuzz-smoke)
  llvm                                       # llvm-symbolizer: sanitizer stack traces with lines
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
