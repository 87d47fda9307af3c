# SPDX-License-Identifier: BSD-2-Clause
# iotcp: meson + ninja behind make. `make help` lists the targets.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CROSS_BUILD ?= build-aarch64
FUZZ_TIME  ?= 60
SOAK_MINUTES ?= 30
MESON_OPTS ?=

.PHONY: all deps build test test-fast cross-aarch64 fuzz fuzz-smoke bench bench-quick demo down clean help format soak
.PHONY: format-check

all: build

help:
	@echo "make            build (release-ish, -O2 -g) into $(BUILD)/"
	@echo "make test       unit, simulator, fuzz-smoke and interop tests; also under ASan+UBSan"
	@echo "make cross-aarch64  build for arm64 (BlueField cores); unit, sim, fuzz replays under qemu-user"
	@echo "make fuzz       run every libFuzzer target for FUZZ_TIME=$(FUZZ_TIME) seconds each"
	@echo "make bench      benchmarks (tables and plots under bench/results/)"
	@echo "make soak       ASan servers under a mixed load with impairments for SOAK_MINUTES=$(SOAK_MINUTES) (not in CI)"
	@echo "make demo       install deps, build, start the testbed, fetch a file with curl"
	@echo "make down       stop the testbed"
	@echo "make format     clang-format the directories format-check covers; make format-check: check"

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug $(MESON_OPTS)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_lundef=false -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Ddpdk=disabled $(MESON_OPTS)

# arm64 with Debian's cross toolchain against the sysroot install-deps unpacks (cross/*.ini);
# meson test runs the binaries through qemu-user (the cross file's exe_wrapper).
$(CROSS_BUILD)/build.ninja:
	meson setup $(CROSS_BUILD) --cross-file cross/aarch64-linux-gnu.ini \
		--cross-file cross/aarch64-sysroot.ini $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: deps format-check $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja \
		$(CROSS_BUILD)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN_BUILD)
	ninja -C $(FUZZ_BUILD)
	ninja -C $(CROSS_BUILD)
	scripts/run-tests.sh $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(CROSS_BUILD)

# Everything for arm64; the unit, simulator (heavy ones too) and fuzz-replay suites under qemu.
# `make test` runs the quick form (no sim-heavy).
cross-aarch64: deps $(CROSS_BUILD)/build.ninja
	ninja -C $(CROSS_BUILD)
	CROSS_FULL=1 scripts/run-tests.sh "" "" "" $(CROSS_BUILD)

# Quick loop for development: one build, no sanitizers, no interop.
test-fast: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --no-suite interop --print-errorlogs

fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME)

bench: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	scripts/run-bench.sh $(BUILD)

bench-quick: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	QUICK=1 scripts/run-bench.sh $(BUILD)

# Not in CI: scripts/soak.sh (RSS, connections, errors and wrong bytes at the start and the end).
soak: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) apps/nicd/iotcp-nicd apps/httpd/iotcp-httpd tools/iotcp-netem-relay
	SOAK_MINUTES=$(SOAK_MINUTES) scripts/soak.sh $(ASAN_BUILD)

demo: deps build
	scripts/demo.sh $(BUILD)

down:
	tools/iotcp-lab down

# clang-format over the directories already in style (scripts/format-check.sh lists them)
format:
	scripts/format-check.sh --fix

format-check:
	scripts/format-check.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(CROSS_BUILD)
