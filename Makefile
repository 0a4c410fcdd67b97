# fastmq: a RocketMQ-compatible message broker in Go.
# `make` alone lists the targets.

GO        ?= go
BIN       ?= bin
FUZZTIME  ?= 10s
# Packages with goroutines run under the race detector in `make test`.
# Every package also runs without it in `make unit`: tests that drive the
# official RocketMQ Go client skip under -race (the client has data races of
# its own), so the plain run is where they count.
RACE_DIRS ?= mmapstore index netpoll namesrv broker client replica bench
RACE_PKGS  = $(addprefix ./,$(addsuffix /...,$(RACE_DIRS)))
SOAK_CYCLES ?= 300

.DEFAULT_GOAL := help
.PHONY: help build test race unit fuzz bench bench-quick gobench lint check soak clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## build every command into ./bin
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

test: lint unit race ## lint, then all tests (invariants on), race detector on the concurrent packages

unit: ## tests of every package, invariant checks compiled in
	$(GO) test -tags invariants -count=1 ./...

race: ## tests of the concurrent packages under the race detector
	$(GO) test -race -tags invariants -count=1 $(RACE_PKGS)

fuzz: ## run every fuzz target for FUZZTIME (default 10s) each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg; \
	  done; \
	done

bench: build ## the suite, ours and NATS JetStream side by side (about 5 min): report in bench/results/
	$(BIN)/mqbench -profile full -out bench/results -broker $(BIN)/mqbroker -peers-dir $(BIN)/peers

bench-quick: build ## the same suite, shorter (about 1 min)
	$(BIN)/mqbench -profile quick -out bench/results -broker $(BIN)/mqbroker -peers-dir $(BIN)/peers

gobench: ## the packages' go test benchmarks, written under bench/results/
	@mkdir -p bench/results
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./... | tee bench/results/$$(date -u +%Y%m%d-%H%M%S)-gobench.txt

lint: ## gofmt, go vet, and the package import map (style.md §2)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run ./cmd/importlint .

check: test ## what CI runs (.ci/run)

soak: ## long runs: SOAK_CYCLES crash cycles, the 100,000-message exactly-once run 5 times each way, FUZZTIME=5m fuzzing
	FASTMQ_CRASH_CYCLES=$(SOAK_CYCLES) $(GO) test -count=1 -timeout 3h -run 'Crash|KillNine|Kill9' ./mmapstore/... ./index/... ./cmd/mqbroker/...
	$(GO) test -count=5 -timeout 30m -run TestPushConsumersExactlyOnce ./broker/
	$(GO) test -race -count=5 -timeout 60m -run TestPushConsumersExactlyOnce ./broker/
	$(MAKE) fuzz FUZZTIME=5m

clean: ## remove build output
	rm -rf $(BIN)
