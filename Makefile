# kaudit — `make` lists the targets. Targets that touch the machine (deps,
# fleet-*, demo) need root.

GO    ?= go
BIN   ?= bin
OUT   ?= out
STATE ?= $(OUT)/fleet.json

# Debian packages: the SSH test fleet (openssh, busybox-static, iproute2,
# dash, mawk), the HTML report's screenshot and JUnit validation (chromium,
# libxml2-utils), the collector's spawn count and lint (strace, shellcheck), the history store and metrics (postgresql, prometheus), the kernel-log scan benchmark (gawk), the .tar.bz2 sosreport fixtures (bzip2).
DEB_PACKAGES = openssh-server openssh-client busybox-static iproute2 dash mawk gawk chromium libxml2-utils strace shellcheck prometheus postgresql bzip2 xz-utils

# Tests that cannot run a component they need skip (fail under CI=true) and
# append "what<TAB>why<TAB>test" here; `make test` prints the summary.
SKIPS = $(abspath $(OUT))/test-skips.tsv

.DEFAULT_GOAL := help
.PHONY: help build testfleet opa deps test fleet-up fleet-down fleet-clean demo demo-down

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/kaudit
	$(GO) build -o $(BIN)/kaudit ./cmd/kaudit

testfleet: ## build bin/testfleet (the test fleet CLI)
	$(GO) build -o $(BIN)/testfleet ./internal/testfleet/cmd/testfleet

opa: ## build bin/opa (the plain OPA CLI, from the OPA module in go.mod) for the opa eval/test checks
	$(GO) build -o $(BIN)/opa github.com/open-policy-agent/opa

# DEMO_PACKAGES: what make demo needs of DEB_PACKAGES (the SSH test fleet);
# make deps installs them all (the tests need the rest).
DEMO_PACKAGES = openssh-server openssh-client busybox-static iproute2 dash mawk

# install_debs,PACKAGES,WHO: apt-get install the missing PACKAGES, one line
# on stdout, apt-get's output in $(OUT)/apt.log (its tail on failure).
define install_debs
	@mkdir -p $(OUT); missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "$(2): Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "$(2): missing packages:$$missing (run make as root)" >&2; exit 1; fi; \
	echo "$(2): apt-get install$$missing (log: $(OUT)/apt.log)"; \
	{ DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; } >>$(OUT)/apt.log 2>&1 || \
	{ echo "$(2): apt-get failed; the end of $(OUT)/apt.log:" >&2; tail -n 20 $(OUT)/apt.log >&2; exit 1; }
endef

deps: ## install missing Debian packages (apt-get update first) and Go modules
	$(call install_debs,$(DEB_PACKAGES),deps)
	$(GO) mod download
	$(GO) build -o $(BIN)/opa github.com/open-policy-agent/opa

test: opa ## go vet and every test (fleet tests need root; with CI=true a skip is a failure), then what was skipped and why
	$(GO) vet ./...
	@mkdir -p $(OUT); rm -f $(SKIPS)
	@rc=0; KAUDIT_OPA=$(abspath $(BIN))/opa KAUDIT_TEST_SKIPS=$(SKIPS) $(GO) test ./... -count=1 || rc=$$?; \
	if [ -s $(SKIPS) ]; then \
		echo "test: skipped, or run in part, for a missing component (needs -> why: tests):"; \
		sort $(SKIPS) | awk -F'\t' '{k=$$1" -> "$$2; if (!(k in n)) o[++m]=k; n[k]++; t[k]=t[k] (n[k]>1?", ":"") $$3} \
			END {for (i=1;i<=m;i++) printf "  %s: %d test(s): %s\n", o[i], n[o[i]], t[o[i]]}'; \
	else \
		echo "test: nothing skipped for a missing component"; \
	fi; \
	exit $$rc

fleet-up: testfleet ## start the test fleet (state in out/fleet.json)
	@mkdir -p $(OUT)
	@if [ -f $(STATE) ]; then echo "fleet-up: $(STATE) exists: make fleet-down first" >&2; exit 1; fi
	$(BIN)/testfleet up --state $(STATE)

fleet-down: testfleet ## stop the test fleet started by fleet-up
	@if [ -f $(STATE) ]; then $(BIN)/testfleet down --state $(STATE); else echo "fleet-down: no $(STATE)"; fi

fleet-clean: testfleet ## remove every test fleet and what crashed runs left (namespaces kaudit-*, mounts, dirs)
	$(BIN)/testfleet down --all
	@rm -f $(STATE)

# demo: one line per step; what the steps print goes to $(OUT)/demo.log
# (apt-get's to $(OUT)/apt.log), its end shown when a step fails.
DEMO_LOG = $(OUT)/demo.log
demo_step = { $(2); } >>$(DEMO_LOG) 2>&1 || { echo "demo: $(1) failed; the end of $(DEMO_LOG):" >&2; tail -n 20 $(DEMO_LOG) >&2; exit 1; }

demo: ## audit the test fleet (installs 6 Debian packages, see README): text on stdout, HTML/JUnit/JSON in out/
	$(call install_debs,$(DEMO_PACKAGES),demo)
	@: >$(DEMO_LOG); echo "demo: building bin/kaudit and bin/testfleet (log: $(DEMO_LOG))"; \
	$(call demo_step,the build,$(GO) build -o $(BIN)/kaudit ./cmd/kaudit && $(GO) build -o $(BIN)/testfleet ./internal/testfleet/cmd/testfleet)
	@echo "demo: starting the test fleet (chrooted OpenSSH hosts in a network namespace)"; \
	$(call demo_step,starting the fleet,if [ -f $(STATE) ]; then $(BIN)/testfleet down --state $(STATE); fi; $(BIN)/testfleet up --state $(STATE))
	@echo "demo: recording a week of history for the forecast"; rm -f $(OUT)/history.db*; \
	$(call demo_step,seeding the history,$(GO) run ./internal/demo/historyseed -state $(STATE) -kaudit $(BIN)/kaudit -history $(OUT)/history.db)
	@echo "demo: auditing the fleet"; \
	ns=$$($(BIN)/testfleet info --state $(STATE) netns); inv=$$($(BIN)/testfleet info --state $(STATE) inventory); \
	rc=0; ip netns exec $$ns $(BIN)/kaudit run -i $$inv --report text --report html=$(OUT)/report.html \
		--report junit=$(OUT)/junit.xml --report json=$(OUT)/report.json \
		--report prom=$(OUT)/kaudit.prom --history $(OUT)/history.db 2>>$(DEMO_LOG) || rc=$$?; \
	case $$rc in \
		0) echo "demo: kaudit exit 0: every host compliant" ;; \
		1) echo "demo: kaudit exit 1: failing checks found (expected on this fleet)" ;; \
		3) echo "demo: kaudit exit 3: some hosts unreachable or incomplete" ;; \
		4) echo "demo: kaudit exit 4: the history store failed (the reports were written; see $(DEMO_LOG))" ;; \
		*) echo "demo: kaudit failed with exit $$rc; the end of $(DEMO_LOG):" >&2; tail -n 20 $(DEMO_LOG) >&2; exit $$rc ;; \
	esac; \
	echo "demo: reports in $(OUT)/report.html, $(OUT)/junit.xml, $(OUT)/report.json, metrics in $(OUT)/kaudit.prom; inventory $$inv"; \
	echo "demo: the forecast: $(BIN)/kaudit history host seed003-centos78 --history $(OUT)/history.db"; \
	echo "demo: make demo-down stops the fleet"

demo-down: fleet-down ## stop the demo's fleet

.PHONY: bench bench-klog bench-eval
EVAL_N ?= 2000,20000
bench-eval: build ## kaudit eval of 2,000 and 20,000 generated hosts: wall, CPU, CPU per host, hosts per CPU second, peak RSS (EVAL_N=2000,20000)
	$(GO) build -o $(BIN)/genfacts ./bench/genfacts
	@mkdir -p $(OUT)
	$(GO) run ./bench/evalbench -kaudit $(BIN)/kaudit -genfacts $(BIN)/genfacts -n $(EVAL_N) -dir $(OUT) -json $(OUT)/bench-eval.json

bench-klog: ## the collector's kernel-log scan of 64 MiB of all-matching lines, node CPU per awk (mawk, gawk, busybox awk)
	$(GO) test -run '^$$' -bench '^BenchmarkKernelLogScan$$' -benchtime 3x ./probes/collector

bench: build bench-klog bench-eval ## benchmarks: go test -bench, then kaudit vs pdsh vs Ansible on N test fleet hosts (root; N=500 RUNS=3)
	$(GO) test -run '^$$' -bench '^(BenchmarkLoad10k|BenchmarkSplitBuild|BenchmarkEval|BenchmarkOPAFloor)$$' -benchmem ./inventory ./probes/parse ./policies
	@mkdir -p $(OUT)
	$(GO) build -o $(BIN)/sshfloor ./bench/sshfloor
	$(GO) run ./bench/fleetbench -n $(or $(N),500) -runs $(or $(RUNS),3) -kaudit $(BIN)/kaudit -sshfloor $(BIN)/sshfloor \
		-state $(OUT)/bench-fleet.json -json $(OUT)/bench-N$(or $(N),500).json
