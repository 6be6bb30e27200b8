# servesim: the README's commands. `make demo` and `make test` do all set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BASE ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
BUILD       := build/cpp
ASAN_BUILD  := build/asan
FUZZ_BUILD  := build/fuzz
STAMPS      := build/stamps
JOBS        ?= $(shell nproc)
# ccache (installed by setup) lets the trees share compiled objects: build/python and
# build/cpp compile libsim with the same compiler and flags, so the second one is served
# from the cache. The same compiler name in both is what makes their objects match.
CCACHE      := $(shell command -v ccache 2>/dev/null)
# The test binary's precompiled header: ccache caches what includes it only when told
# that its defines and time macros may be ignored (nothing here uses __TIME__ or __DATE__).
export CCACHE_SLOPPINESS := pch_defines,time_macros
CXX_DEFINES := CMAKE_CXX_COMPILER=$(CXX) $(if $(CCACHE),CMAKE_CXX_COMPILER_LAUNCHER=ccache)
CMAKE_CXX   := $(addprefix -D,$(CXX_DEFINES))
empty       :=
SKBUILD_CMAKE_DEFINE := $(subst $(empty) $(empty),;,$(strip $(CXX_DEFINES) SERVESIM_WERROR=ON))

CPP_SOURCES := $(shell find libsim examples tests/cpp python/src -name '*.[ch]pp' 2>/dev/null) \
               $(shell find . -name CMakeLists.txt -not -path './build/*' -not -path './$(VENV)/*' \
                               -not -path './tests/fuzz/*') \
               $(wildcard cmake/*)
# The editable install maps each Python module to its file, so adding, moving or removing
# a module (cli.py becoming the cli/ package) needs a reinstall; editing one does not. This
# list is rewritten only when the set of modules changes.
PY_MODULES  := $(STAMPS)/python-modules.txt
_ := $(shell mkdir -p $(STAMPS) && find python/servesim -name '*.py' | LC_ALL=C sort > $(PY_MODULES).new && \
       { cmp -s $(PY_MODULES).new $(PY_MODULES) || mv $(PY_MODULES).new $(PY_MODULES); }; rm -f $(PY_MODULES).new)
PY_PACKAGE_INPUTS := $(CPP_SOURCES) pyproject.toml $(PY_MODULES)

.PHONY: help setup demo test test-cpp test-asan test-fuzz test-python typecheck doctest docs lint fuzz bench validate \
        calibrate clean wheel test-wheel

help:
	@echo "make demo    set up, build, compare Flask/Gunicorn with FastAPI/Uvicorn, print the table and verdicts"
	@echo "make test    set up, build, run every test (ctest: Catch2, sanitizers, pytest, notebooks)"
	@echo "make fuzz    fuzz the scenario parser and engine with libFuzzer for FUZZ_SECONDS (default 300)"
	@echo "make bench   servesim against SimPy on M/M/2, event loops/GIL/10,000 users, native vs SimGrid (BENCH_QUICK=1: short)"
	@echo "make validate  measure real Gunicorn/Uvicorn/Hypercorn/Granian servers with wrk, compare with predictions (VALIDATE_QUICK=1: short)"
	@echo "make calibrate measure the framework overhead presets and the machine's CPU stalls on real servers (CALIBRATE_ARGS=--server granian: one server's)"
	@echo "make setup   install what is missing: Debian packages, .venv, the Python package"
	@echo "make lint    clang-tidy on the C++ sources"
	@echo "make typecheck  mypy on the Python package;  make doctest  the docstrings' examples"
	@echo "make wheel   a manylinux wheel in build/wheel (yaml-cpp bundled, no SimGrid engine) anyone can pip install"
	@echo "make docs    the documentation site from docs/ and the docstrings, in build/docs-site (warnings fail it)"

# The package is made by a second make, which finds the ccache that system-packages may just
# have installed: CCACHE is read when a make starts, and without it build/python's objects
# would not be in the cache for build/cpp to reuse.
setup: system-packages
	@$(MAKE) --no-print-directory $(STAMPS)/python-package

.PHONY: system-packages
system-packages:
	@tools/install-system-packages.sh

$(STAMPS)/venv: requirements-dev.txt
	@mkdir -p $(STAMPS)
	@[ -x $(PY) ] || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Editable install: Python files are read from python/servesim, the compiled
# core is rebuilt incrementally in build/python when C++ sources change.
$(STAMPS)/python-package: $(STAMPS)/venv $(PY_PACKAGE_INPUTS)
	SKBUILD_CMAKE_DEFINE="$(SKBUILD_CMAKE_DEFINE)" \
	  $(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e .
	@touch $@

$(BUILD)/build.ninja: | system-packages
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSERVESIM_WERROR=ON $(CMAKE_CXX) \
	      -DSERVESIM_PYTHON=$(abspath $(PY))

# libsim is a unity build in the sanitizer trees (this one and the fuzz tree): its files
# compiled a few at a time, each header parsed and instrumented once per batch, not once
# per file (the test files are not: tests/CMakeLists.txt). build/cpp and build/python
# still compile every file on its own, so a file that misses an include still fails there.
$(ASAN_BUILD)/build.ninja: | system-packages
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=None -DSERVESIM_INSTALL=OFF $(CMAKE_CXX) \
	      -DCMAKE_UNITY_BUILD=ON \
	      -DCMAKE_CXX_FLAGS="-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

# The Flask-vs-FastAPI comparison: the table and verdicts on the terminal, a
# Markdown report and the HTML one (figures, verdicts with intervals) in build/demo/.
demo: setup
	$(VENV)/bin/servesim compare scenarios/flask_vs_fastapi.yaml --report build/demo/flask_vs_fastapi.md \
	  --html build/demo/flask_vs_fastapi.html

# One phase after another, each timed, so a slow CI run shows where its time went.
TEST_PHASES := setup docs test-cpp typecheck doctest lint test-asan test-fuzz test-wheel
test:
	@start=$$(date +%s); for phase in $(TEST_PHASES); do \
	  begun=$$(date +%s); $(MAKE) --no-print-directory $$phase || exit 1; \
	  echo "make test: $$phase took $$(( $$(date +%s) - begun )) s"; \
	done; echo "make test: every phase passed in $$(( $$(date +%s) - start )) s"

# Everything registered with ctest: Catch2 tests, the installed-library
# example, pytest (which also executes the notebooks).
test-cpp: $(BUILD)/build.ninja $(STAMPS)/python-package
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The C++ tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target servesim_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tools/run-test-shards.sh $(ASAN_BUILD)/tests/servesim_tests "~[long]" \
	    test_simulate test_runtimes test_scenario_writer

# libFuzzer on parse_scenario (and a shrunk simulation of what parses), built
# with clang in its own tree. The work corpus in $(FUZZ_BUILD)/corpus grows
# from run to run; a crash, leak, hang (-timeout) or sanitizer report fails
# the target and leaves its input in $(FUZZ_BUILD)/artifacts/.
FUZZ_SECONDS ?= 300
test-fuzz: FUZZ_SECONDS = 30
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
             -dict=tests/fuzz/yaml.dict -artifact_prefix=$(FUZZ_BUILD)/artifacts/ -print_final_stats=1

$(FUZZ_BUILD)/build.ninja: | system-packages
	cmake -S tests/fuzz -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER=clang++ \
	      -DCMAKE_UNITY_BUILD=ON

fuzz test-fuzz: $(FUZZ_BUILD)/build.ninja $(STAMPS)/venv
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/artifacts
	$(PY) tests/fuzz/make_corpus.py $(FUZZ_BUILD)/corpus scenarios/*.yaml tests/fuzz/seeds/*
	$(FUZZ_BUILD)/fuzz_scenario_parser $(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus tests/fuzz/seeds scenarios

# clang-tidy (.clang-tidy: bug and performance checks, warnings are errors) on the library,
# its tests and the example; tools/lint.sh runs it on a unity tree's batches of files.
lint: $(BUILD)/build.ninja
	tools/lint.sh $(BUILD) build/lint-unity $(JOBS)

test-python: setup
	$(PY) -m pytest -q tests/python

# mypy on the package (configured in pyproject.toml).
typecheck: setup
	$(PY) -m mypy

# The docstrings' examples, run and their printed output checked.
doctest: setup
	$(PY) -m pytest -q --doctest-modules python/servesim

# The documentation site (mkdocs.yml): docs/ with the API reference generated from the
# docstrings, which mkdocstrings reads from the sources (no build of the C++ core needed),
# into build/docs-site. --strict: a warning (a broken link or anchor, a page missing from
# the nav, a docstring mkdocstrings cannot parse) fails it. Not --quiet: it hides the
# warnings from the count --strict fails on. Open build/docs-site/index.html.
docs: $(STAMPS)/venv
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

# A wheel anyone can install: built from the editable install's build tree (build/python,
# so only a relink), the SimGrid engine left out (it links Debian's SimGrid and Boost; the
# engine stays optional), then `auditwheel repair` bundles the external libraries left
# (Debian's libyaml-cpp.so.0.7) into servesim.libs/ and tags the wheel manylinux.
WHEEL_DIR := build/wheel
wheel: $(STAMPS)/python-package
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)/raw
	SKBUILD_CMAKE_DEFINE="$(SKBUILD_CMAKE_DEFINE)" $(PY) -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w $(WHEEL_DIR)/raw .
	$(PY) tools/drop_from_wheel.py $(WHEEL_DIR)/raw/servesim-*.whl servesim/servesim-simgrid
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m auditwheel repair -w $(WHEEL_DIR) $(WHEEL_DIR)/raw/servesim-*.whl
	rm -rf $(WHEEL_DIR)/raw

# auditwheel show on the wheel, then a scenario run from it in a fresh venv in /tmp
# (dependencies from pip's cache) against the in-tree build: same code, same seed, same numbers.
test-wheel: wheel
	tools/test-wheel.sh $(PY) $(WHEEL_DIR)

bench: setup
	$(PY) bench/bench_mm2.py $(if $(BENCH_QUICK),--quick,)
	$(PY) bench/bench_runtimes.py $(if $(BENCH_QUICK),--quick,)
	$(PY) bench/bench_engines.py $(if $(BENCH_QUICK),--quick,)
	$(PY) bench/bench_overload.py $(if $(BENCH_QUICK),--quick,)

# Real Gunicorn+Flask and Uvicorn/Hypercorn/Granian/Gunicorn-with-Uvicorn-workers+FastAPI
# servers on core 0, wrk on core 1, then
# servesim's predictions beside the measurements (validation/README.md). The full
# grid appends to validation/measurements.csv and rewrites validation/comparison.*
# (15-30 min); VALIDATE_QUICK=1 measures one short point per server kind into
# build/validation instead (about 1 min).
VALIDATE_OUT := $(if $(VALIDATE_QUICK),build/validation,validation)
validate: setup $(STAMPS)/validation-stack
	$(PY) validation/measure.py $(if $(VALIDATE_QUICK),--quick,) --out $(VALIDATE_OUT)/measurements.csv
	$(PY) validation/compare.py --measurements $(VALIDATE_OUT)/measurements.csv --out-dir $(VALIDATE_OUT)

# Saturated zero-work endpoints and 2 ms waits: the per-request, per-connection and per-wait CPU costs
# behind the framework presets (libsim/src/model/framework.cpp). CALIBRATE_ARGS passes options
# (`--server hypercorn`: FastAPI on one ASGI server only, about 2 min per server).
calibrate: setup $(STAMPS)/validation-stack
	$(PY) validation/calibrate.py $(CALIBRATE_ARGS)

# The measured servers and frameworks at the versions the committed measurements were taken with.
$(STAMPS)/validation-stack: validation/requirements.txt $(STAMPS)/venv
	$(PY) -m pip install -q --disable-pip-version-check -r validation/requirements.txt
	@touch $@

clean:
	rm -rf build
