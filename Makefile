# nngbench: `make bench` is the main job, `make test` what CI runs.
GO        ?= go
PKGS      := ./...
BENCH_OUT := reports/latest
# How many times each Go benchmark runs; medians of these go into RESULTS.md.
BENCH_COUNT ?= 5
GOLANGCI_VERSION := v2.15.0

.PHONY: all test vet fmt-check fuzz-smoke bench lint clean

all: test

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test: fmt-check vet
	$(GO) test -race -count=1 -timeout 10m $(PKGS)

# A short run of every fuzz target (Go runs one target per invocation).
fuzz-smoke:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 8s ./impl/envelope
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 8s ./harness/scenario
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 8s ./harness/result
	$(GO) test -run '^$$' -fuzz '^FuzzParseStamp$$' -fuzztime 5s ./harness/load

# The messaging layer's benchmarks, each beside its bare-mangos (or
# encoding/json) twin in the same run, summed up into RESULTS.md.
bench:
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) -benchtime 200000x ./impl/envelope ./impl/pipeline \
		| tee $(BENCH_OUT)/layer-bench.txt
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) -benchtime 40000x ./impl/reqrep \
		| tee -a $(BENCH_OUT)/layer-bench.txt
	$(GO) test -run '^$$' -bench Tasks -count $(BENCH_COUNT) -benchtime 100000x ./impl/e2e \
		| tee -a $(BENCH_OUT)/layer-bench.txt
	$(GO) run ./scripts/benchreport -in $(BENCH_OUT)/layer-bench.txt -out RESULTS.md

lint: fmt-check vet
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION) run ./...

clean:
	rm -rf $(BENCH_OUT)
