#!/usr/bin/env bash
# clang-tidy (.clang-tidy: bug and performance checks, warnings are errors) on every C++ file
# of the library, its tests and the example.
#
# Usage: tools/lint.sh BUILD_DIR UNITY_DIR JOBS
#   BUILD_DIR  a configured tree compiling each file on its own (build/cpp)
#   UNITY_DIR  where to configure the same project as a unity build (CMake's batches of files)
#
# Most of clang-tidy's time goes to the headers each file includes (Catch2, yaml-cpp, the
# scenario model), which it parses and matches again for every file. So every check runs on
# the unity batches, each header read once per batch (about 5x less CPU on the tests), and
# files outside any batch run alone. misc-unused-using-decls looks only at a translation
# unit's main file, which in a batch is the generated one, so it alone runs file by file, on
# the files that have a using-declaration for it to find.
# GCC's precompiled header is dropped from the compile commands: clang cannot read it, and
# each file includes what it uses anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 unity=$2 jobs=$3

dirs="libsim/src tests/cpp examples"
if grep -q libsim/simgrid/main.cpp "$build/compile_commands.json"; then dirs="$dirs libsim/simgrid tests/simgrid"; fi

# The unity tree is configured with the build tree's own settings, so both see the same code.
settings=$(sed -n -E 's/^(CMAKE_BUILD_TYPE|CMAKE_CXX_COMPILER|SERVESIM_[A-Z_]+):[A-Z]+=(.*)$/-D\1=\2/p' "$build/CMakeCache.txt")
# shellcheck disable=SC2086  # one word per setting
cmake -S . -B "$unity" -G Ninja -DCMAKE_UNITY_BUILD=ON $settings > "$unity.configure.log" \
  || { cat "$unity.configure.log"; exit 1; }

strip_pch() { sed -E 's# -Winvalid-pch -include [^ ]*/cmake_pch\.hxx##' "$1/compile_commands.json" > "$2/compile_commands.json"; }
mkdir -p "$unity/db" "$build/lint-db"
strip_pch "$unity" "$unity/db"
strip_pch "$build" "$build/lint-db"

# From the compile commands, not the folder: a batch file left by an earlier configure is not one.
batches=$(sed -n -E 's#^ *"file": "(.*/Unity/unity_[0-9]+_cxx\.cxx)",?$#\1#p' "$unity/compile_commands.json" | sort)
# Sources the batches include, and those left to run alone (main.cpp, the example, ...).
# shellcheck disable=SC2086
batched=$(sed -n -E 's#^\#include "'"$PWD"'/(.*)"$#\1#p' $batches | sort)
sources=$(find $dirs -name '*.cpp' | sort)
alone=$(comm -23 <(echo "$sources") <(echo "$batched"))

echo "lint: every check on $(echo "$batches" | wc -l) unity batches and $(echo "$alone" | wc -w) files alone"
{ echo "$batches" | xargs -P "$jobs" -n 1 clang-tidy -p "$unity/db" --quiet \
    --checks=-bugprone-suspicious-include --header-filter='/(libsim|tests)/'
  [ -z "$alone" ] || echo "$alone" | xargs -P "$jobs" -n 4 clang-tidy -p "$build/lint-db" --quiet
}
# Only a file with a using-declaration (`using a::b;`) can fail it.
# shellcheck disable=SC2086
declaring=$(grep -lE '\busing +(typename +)?(::)?[A-Za-z_][A-Za-z_0-9]*::' $sources || true)
echo "lint: misc-unused-using-decls on the $(echo "$declaring" | wc -w) files with using-declarations"
[ -z "$declaring" ] || echo "$declaring" | xargs -P "$jobs" -n 4 clang-tidy -p "$build/lint-db" --quiet \
  --checks='-*,misc-unused-using-decls'
