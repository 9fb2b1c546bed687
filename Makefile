# nngbench: `make bench` is the main job, `make test` what CI runs.
GO        ?= go
PKGS      := ./...
BENCH_OUT := reports/latest
SCALE_OUT := reports/scale
# How many times each Go benchmark runs; medians of these go into RESULTS.md.
BENCH_COUNT ?= 5
GOLANGCI_VERSION := v2.15.0
BIN       := bin
NNGBENCH  := $(BIN)/nngbench
# The CI gate: the smoke suite, repeated, against the committed baseline.
# The margin is wide because the baseline was measured at another time and
# the machines drift up to 2x (see README, "Gates in CI"); a regression must
# also be significant over GATE_REPEAT runs a side.
GATE_OUT    := reports/gate
GATE_REPEAT ?= 5
GATE_MARGIN ?= 100%
BASELINE    := reports/baseline
# make gate BASE=REF compares with commit REF instead, both sides built and
# run interleaved in this job, at AB_MARGIN; GATE_MARGIN then applies only
# when REF cannot be used and the committed baseline stands in.
BASE      ?=
AB_MARGIN ?= 10%
comma     := ,

.PHONY: all build test vet fmt-check fuzz-smoke bench bench-scale suite fidelity gate lint clean

all: test

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# A short run of every fuzz target (Go runs one target per invocation).
# Budgets are execution counts, not durations: Go 1.26's fuzz coordinator
# can report its own -fuzztime deadline as a failure ("context deadline
# exceeded", golang/go#75804, fixed in 1.27); a count has no deadline.
# Each count is a few seconds on a 2-core machine.
fuzz-smoke:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 50000x ./impl/envelope
	$(GO) test -run '^$$' -fuzz '^FuzzEcho$$' -fuzztime 20000x ./impl/envelope
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBatches$$' -fuzztime 50000x ./impl/api
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 50000x ./impl/config
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 50000x ./harness/scenario
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 50000x ./harness/result
	$(GO) test -run '^$$' -fuzz '^FuzzParseStamp$$' -fuzztime 100000x ./harness/engine
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 50000x ./harness/history

# nngbench and the programs it starts, side by side (nngbench looks for
# worker beside itself).
build:
	$(GO) build -buildvcs=true -o $(BIN)/ ./cmd/...

# The main job: the messaging layer's benchmarks (each beside its
# bare-mangos or encoding/json twin in the same run), the open-loop
# generator's highest rate beside the closed loop's (30-50 s), the scenario suite,
# and the harness's fidelity against mangos' own perf tool, summed up into
# RESULTS.md. The suite runs the nngbench built before the old results are
# removed: built after, it would call its own commit modified.
bench: build
	rm -rf $(BENCH_OUT)
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) -benchtime 100000x ./impl/envelope ./impl/pipeline \
		| tee $(BENCH_OUT)/layer-bench.txt
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) -benchtime 20000x ./impl/reqrep \
		| tee -a $(BENCH_OUT)/layer-bench.txt
	$(GO) test -run '^$$' -bench Tasks -count $(BENCH_COUNT) -benchtime 100000x ./impl/e2e \
		| tee -a $(BENCH_OUT)/layer-bench.txt
	$(GO) test -run '^$$' -bench OpenLoop -count 1 -benchtime 1x ./harness/load \
		| tee -a $(BENCH_OUT)/layer-bench.txt
	$(NNGBENCH) run --out $(BENCH_OUT) scenarios/*.yaml
	$(MAKE) fidelity
	$(GO) run ./scripts/benchreport -in $(BENCH_OUT)/layer-bench.txt -suite $(BENCH_OUT) \
		-fidelity $(BENCH_OUT)/fidelity.json -scale $(SCALE_OUT) -out RESULTS.md

# The cluster from 64 to 1,024 worker processes (scenarios/scale): start
# time, memory per worker, heartbeats handled on time, the control plane's
# CPU. Outside make bench: 3m24s here, and 1,024 workers of 13.7 MiB each (some 14 GiB).
# Its tree is committed; make bench's RESULTS.md reads it.
bench-scale: build
	rm -rf $(SCALE_OUT)
	$(NNGBENCH) run --out $(SCALE_OUT) scenarios/scale/*.yaml
	$(GO) run ./scripts/benchreport -in $(BENCH_OUT)/layer-bench.txt -suite $(BENCH_OUT) \
		-fidelity $(BENCH_OUT)/fidelity.json -scale $(SCALE_OUT) -out RESULTS.md

# The scenario suite alone: every scenario in scenarios/ (not faults/ or ci/).
suite: build
	$(NNGBENCH) run --out $(BENCH_OUT) scenarios/*.yaml

# CI's latency gate: exit 1 on a regression, 2 on input it cannot compare.
gate: build
	rm -rf $(GATE_OUT)
ifeq ($(BASE),)
	$(NNGBENCH) run --quiet --repeat $(GATE_REPEAT) --out $(GATE_OUT) scenarios/ci/*.yaml
	$(NNGBENCH) gate --baseline $(BASELINE) --candidate $(GATE_OUT) --max-regression $(GATE_MARGIN) \
		--markdown $(GATE_OUT)/gate.md --charts $(GATE_OUT)/compare
else
	@mkdir -p $(GATE_OUT)
	$(NNGBENCH) gate --against $(BASE) --baseline $(BASELINE) --repeat $(GATE_REPEAT) --out $(GATE_OUT)/ab \
		--scenarios $(subst $(eval) ,$(comma),$(wildcard scenarios/ci/*.yaml)) \
		--max-regression $(AB_MARGIN) --fallback-max-regression $(GATE_MARGIN) --markdown $(GATE_OUT)/gate.md \
		--charts $(GATE_OUT)/compare
endif

# Harness fidelity: nngbench raw mode against mangos' own perf tool (throughput, round trip),
# and what an idle toxiproxy costs; writes $(BENCH_OUT)/fidelity.json. About 80 s.
fidelity:
	@mkdir -p $(BENCH_OUT)
	$(GO) run ./scripts/fidelity -out $(BENCH_OUT)

lint: fmt-check vet
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION) run ./...

clean:
	rm -rf $(BENCH_OUT) $(GATE_OUT) $(BIN)
