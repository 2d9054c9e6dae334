# edgepipe — the three entry points. Each installs what is missing, builds
# with meson/ninja, then does its job.
#   make demo    run the demo graph on the bundled sample
#   make check   every test: ASan+UBSan, the scheduler under TSan, fuzzers,
#                a face-graph test under valgrind
#   make bench   benchmarks against their peers (QUICK=1: about 2 minutes)

MESON ?= meson
NINJA ?= ninja
FUZZ_SECONDS ?= 20
QUICK ?=

# meson setup, or nothing if the folder is already configured.
define setup
	@if [ ! -f $(1)/build.ninja ]; then \
	  $(MESON) setup $(1) $(2) || { rm -rf $(1); exit 1; }; fi
endef

.PHONY: all deps models sample sample-long build demo check check-asan \
        check-tsan check-fuzz check-valgrind bench clean

all: build

deps:
	@scripts/install-deps

models: deps
	@scripts/fetch-models

build: deps
	$(call setup,build,--buildtype=release)
	$(NINJA) -C build

# The sample clips, made from tests/data/astronaut.png (not committed).
sample: deps
	@scripts/make-sample out/sample.mp4 4

sample-long: deps
	@scripts/make-sample out/sample-30s.mp4 30

demo: models sample build
	@scripts/demo build

check: deps models sample check-asan check-tsan check-fuzz check-valgrind
	@printf 'make check: '; scripts/test-summary build-check build-tsan

check-asan: deps models
	$(call setup,build-check,--werror -Db_sanitize=address,undefined \
	  -Dc_args=-fno-sanitize-recover=all --buildtype=debug)
	$(NINJA) -C build-check
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 MESON=$(MESON) \
	  scripts/run-asan-tests build-check

check-tsan: deps
	$(call setup,build-tsan,--werror -Db_sanitize=thread --buildtype=debug \
	  -Dgstreamer=disabled)
	$(NINJA) -C build-tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(MESON) test -C build-tsan --suite sched --print-errorlogs --no-rebuild

check-fuzz: deps
	@if [ ! -f build-fuzz/build.ninja ]; then \
	  CC=clang $(MESON) setup build-fuzz -Dfuzz=true -Dtests=disabled \
	    -Dgstreamer=disabled -Db_sanitize=address,undefined \
	    -Db_lundef=false --buildtype=debugoptimized || \
	    { rm -rf build-fuzz; exit 1; }; fi
	$(NINJA) -C build-fuzz
	@scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

# One end-to-end face-graph test under valgrind memcheck (no sanitizers in
# this build: valgrind and ASan do not mix).
check-valgrind: deps models
	$(call setup,build-valgrind,--buildtype=debugoptimized -Dgstreamer=disabled)
	$(NINJA) -C build-valgrind tests/test_detection_face_detection
	@scripts/run-valgrind build-valgrind

bench: models sample sample-long
	$(call setup,build-bench,--buildtype=release -Db_ndebug=true)
	$(NINJA) -C build-bench
	@QUICK=$(QUICK) bench/run build-bench

clean:
	rm -rf build build-check build-tsan build-fuzz build-bench build-valgrind
