# The two commands a newcomer needs (CONTRACT.md):
#   make demo   install what is missing, build (Release), run the headline example
#   make test   install what is missing, build, run the whole test suite
# Others: make build, make bench, make clean.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps configure build demo test bench clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@$(BUILD_DIR)/burnrate run examples/stability-2023.yaml --report $(BUILD_DIR)/stability-2023.html
	@echo
	@echo "The same runs with charts: $(BUILD_DIR)/stability-2023.html (open it in a browser)"
	@echo
	@$(BUILD_DIR)/burnrate plan examples/stability-2023.yaml

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@$(BUILD_DIR)/burnrate_bench

clean:
	rm -rf $(BUILD_DIR)
