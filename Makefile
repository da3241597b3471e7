# ferguard: one-command set-up, build, demo and tests on a fresh Debian 12 machine.
#   make demo    install what is missing, build (Release), run the main job on the built-in default
#   make test    install what is missing, build, run the C++ (ctest) and Python (pytest) suites
#   make fuzz    build the libFuzzer targets with clang (build-fuzz/) and run each for FUZZ_SECONDS (docs/fuzzing.md)
#   make sanitize  both suites again on an AddressSanitizer + UndefinedBehaviorSanitizer build (docs/sanitizers.md)
#   make deb     build/ferguard_<version>_amd64.deb (cpack on the build tree; docs/install.md)
BUILD   ?= build
JOBS    ?= $(shell nproc)
PYTHON  ?= /usr/bin/python3
CMAKE_FLAGS ?=
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: all setup deps assets configure build templates demo test test-cpp test-python sanitize bench fuzz deb clean

# The template bank built from face-api's sample photos: for the demo and the tests only (those people did not
# consent to be donors), never installed or packaged.
TEMPLATE_BANK := assets/templates/samples.fgtb

all: build

deps:
	scripts/install_deps.sh

assets:
	scripts/fetch_models.sh assets
	tools/reference/decode_samples.sh

setup: deps assets

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$(PYTHON) $(LAUNCHER) $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: setup configure
	cmake --build $(BUILD) -j $(JOBS)
	$(MAKE) --no-print-directory templates

templates: $(TEMPLATE_BANK)

$(TEMPLATE_BANK): $(BUILD)/bin/ferguard
	mkdir -p $(dir $@)
	$(BUILD)/bin/ferguard templates assets/faceapi/samples --k 3 --out $@

demo: build
	$(BUILD)/bin/ferguard demo --out demo_out
	$(BUILD)/bin/ferguard analyze assets/faceapi/samples --out demo_out/analyze
	$(BUILD)/bin/ferguard train --dataset synth:size=64 --preset quick --threads 2 --out demo_out/model \
	  --epochs-controllers 8 --epochs-enhancers 3 --epochs-compensator 1 --epochs-fer 4 --epochs-attacker 8
	$(BUILD)/bin/ferguard audit --originals assets/faceapi/samples --anonymised demo_out/analyze --out demo_out/audit
	@echo "demo: the audit of the published faces is in $(CURDIR)/demo_out/audit/report.html"

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python:
	FERGUARD_BUILD_DIR=$(CURDIR)/$(BUILD) PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) -m pytest -q tests/python

test: build
	$(MAKE) --no-print-directory test-cpp
	$(MAKE) --no-print-directory test-python

deb: build
	cd $(BUILD) && cpack -G DEB

# Too slow for CI (docs/sanitizers.md): a Debug build of ferguard's own code with ASan + UBSan in its own folder,
# then both suites under it. LibTorch, OpenCV, oneDNN and FFTW are Debian's uninstrumented builds.
ASAN_BUILD   := build-asan
SANITIZE_DIR := $(CURDIR)/tools/sanitize
# Leaks are checked in the C++ suite only: CPython keeps its interned objects and extension modules until exit.
ASAN_CHECKS  := check_initialization_order=1:detect_stack_use_after_return=1:strict_string_checks=1
# python3 is not instrumented: the ASan runtime is preloaded, and libstdc++ with it, because ASan finds the
# __cxa_throw it wraps when it starts, before python would load libstdc++ (the first C++ exception then aborts).
# pytest captures only sys.stdout/stderr (--capture=sys) so that a report from inside the interpreter is shown.
ASAN_PRELOAD  = $(shell gcc -print-file-name=libasan.so) $(shell gcc -print-file-name=libstdc++.so)
SANITIZE_ENV := UBSAN_OPTIONS=print_stacktrace=1:suppressions=$(SANITIZE_DIR)/ubsan.supp \
  LSAN_OPTIONS=suppressions=$(SANITIZE_DIR)/lsan.supp:print_suppressions=0

sanitize: setup
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFERGUARD_SANITIZE=ON \
	  -DFERGUARD_BUILD_BENCHMARKS=OFF -DFERGUARD_BUILD_EXAMPLES=OFF -DPython_EXECUTABLE=$(PYTHON) $(LAUNCHER)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	test -f $(TEMPLATE_BANK) || env $(SANITIZE_ENV) ASAN_OPTIONS=$(ASAN_CHECKS) \
	  $(MAKE) --no-print-directory templates BUILD=$(ASAN_BUILD)
	cd $(ASAN_BUILD) && env $(SANITIZE_ENV) ASAN_OPTIONS=$(ASAN_CHECKS):detect_leaks=1 \
	  ctest --output-on-failure -j $(JOBS)
	env $(SANITIZE_ENV) ASAN_OPTIONS=$(ASAN_CHECKS):detect_leaks=0 LD_PRELOAD="$(ASAN_PRELOAD)" \
	  FERGUARD_BUILD_DIR=$(CURDIR)/$(ASAN_BUILD) PYTHONPATH=$(CURDIR)/$(ASAN_BUILD)/python \
	  $(PYTHON) -m pytest -q --capture=sys tests/python

bench: build
	$(BUILD)/bin/bench_frequency
	$(BUILD)/bin/bench_faceapi_nets
	$(BUILD)/bin/bench_faceapi
	$(BUILD)/bin/bench_graph_models
	$(BUILD)/bin/bench_pipeline
	$(BUILD)/bin/bench_video

# Not part of test: minutes of fuzzing per run, with clang and its own build folder.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

clean:
	rm -rf $(BUILD)
