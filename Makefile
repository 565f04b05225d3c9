# Worktrace: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build/asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build run test bench format deps web native asan clean extension

all: build

# Release binaries in build/bin/, the dashboard in web/dist/ and the browser extension in
# build/extension/{chromium,firefox}/.
build:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory native web extension

native:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

web:
	@cd web && npm run --silent build

# The browser extension (plain ES modules, no bundler): build/extension/{chromium,firefox}/.
extension:
	@node scripts/build-extension.mjs

# Address and undefined-behaviour sanitizers over the unit tests and the server binary.
asan:
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWORKTRACE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

# Installs what is missing, builds, and starts the platform on http://127.0.0.1:8080.
run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory native web extension
	@scripts/run.sh

# Installs what is missing, builds, runs every test, and prints a pass/fail summary.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory native web extension
	@scripts/test.sh

# Benchmarks: figures in build/bench/results.json.
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory native web
	@bench/run.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) web/dist
