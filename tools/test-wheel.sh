#!/usr/bin/env bash
# make test-wheel: checks the manylinux wheel in $2 (built by make wheel) with the in-tree
# interpreter $1. auditwheel show must call it manylinux and name no external library; a
# fresh venv outside the tree (its dependencies from pip's cache) installs it and runs a
# scenario whose throughput must equal the in-tree build's: same code, same seed.
set -euo pipefail
py="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; wheel=$(ls "$2"/servesim-*manylinux*.whl)
tree=$(pwd)

# -v: without it, auditwheel leaves out the external libraries when symbol versions set the tag.
show=$("$py" -m auditwheel -v show "$wheel" 2>/dev/null)
echo "$show"
show=$(tr -s ' \n' '  ' <<<"$show")  # auditwheel wraps its lines
grep -q 'consistent with the following platform tag: "manylinux' <<<"$show" ||
  { echo "test-wheel: auditwheel does not call $wheel manylinux" >&2; exit 1; }
grep -q 'The wheel requires no external shared libraries' <<<"$show" ||
  { echo "test-wheel: $wheel needs external shared libraries" >&2; exit 1; }
if unzip -l "$wheel" | grep -q 'servesim/servesim-simgrid'; then
  echo "test-wheel: $wheel holds the SimGrid engine (it links Debian's SimGrid)" >&2; exit 1
fi

scratch=$(mktemp -d /tmp/servesim-wheel.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS
"$py" -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q --disable-pip-version-check "$wheel"
echo "test-wheel: fresh venv and install in $((SECONDS - start)) s"

scenario="$tree/scenarios/two-sync-workers.yaml"
throughput() { "$@" run "$scenario" --json --seed 1 | "$py" -c 'import json, sys; print(repr(json.load(sys.stdin)["throughput"]))'; }
cd "$scratch"
from_wheel=$(throughput "$scratch/venv/bin/servesim")
location=$("$scratch/venv/bin/python" -c 'import servesim._core as c; print(c.__file__)')
[[ "$location" == "$scratch"/* ]] || { echo "test-wheel: the fresh venv imported $location" >&2; exit 1; }
cd "$tree"
in_tree=$(throughput "$(dirname "$py")/servesim")
echo "test-wheel: throughput from the wheel $from_wheel req/s, in-tree $in_tree req/s"
[[ "$from_wheel" == "$in_tree" ]] || { echo "test-wheel: the wheel and the in-tree build differ" >&2; exit 1; }
