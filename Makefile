# kaudit — `make` lists the targets. Targets that touch the machine (deps,
# fleet-*, demo) need root.

GO    ?= go
BIN   ?= bin
OUT   ?= out
STATE ?= $(OUT)/fleet.json

# Debian packages: the SSH test fleet (openssh, busybox-static, iproute2,
# dash, mawk), the HTML report's screenshot and JUnit validation (chromium,
# libxml2-utils).
DEB_PACKAGES = openssh-server openssh-client busybox-static iproute2 dash mawk chromium libxml2-utils bzip2

.DEFAULT_GOAL := help
.PHONY: help build testfleet deps test fleet-up fleet-down fleet-clean demo demo-down

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/kaudit
	$(GO) build -o $(BIN)/kaudit ./cmd/kaudit

testfleet: ## build bin/testfleet (the test fleet CLI)
	$(GO) build -o $(BIN)/testfleet ./internal/testfleet/cmd/testfleet

deps: ## install missing Debian packages (apt-get update first) and Go modules
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "deps: missing packages:$$missing (run make deps as root)" >&2; exit 1; fi; \
		echo "deps: installing$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "deps: Debian packages present"; \
	fi
	$(GO) mod download

test: ## go vet and every test (fleet tests need root; with CI=true a skip is a failure)
	$(GO) vet ./...
	$(GO) test ./... -count=1

fleet-up: testfleet ## start the test fleet (state in out/fleet.json)
	@mkdir -p $(OUT)
	@if [ -f $(STATE) ]; then echo "fleet-up: $(STATE) exists: make fleet-down first" >&2; exit 1; fi
	$(BIN)/testfleet up --state $(STATE)

fleet-down: testfleet ## stop the test fleet started by fleet-up
	@if [ -f $(STATE) ]; then $(BIN)/testfleet down --state $(STATE); else echo "fleet-down: no $(STATE)"; fi

fleet-clean: testfleet ## remove every test fleet and what crashed runs left (namespaces kaudit-*, mounts, dirs)
	$(BIN)/testfleet down --all
	@rm -f $(STATE)

demo: deps build testfleet ## audit the test fleet: text on stdout, HTML/JUnit/JSON in out/
	@mkdir -p $(OUT)
	@if [ -f $(STATE) ]; then $(BIN)/testfleet down --state $(STATE); fi
	$(BIN)/testfleet up --state $(STATE)
	@ns=$$($(BIN)/testfleet info --state $(STATE) netns); inv=$$($(BIN)/testfleet info --state $(STATE) inventory); \
	rc=0; ip netns exec $$ns $(BIN)/kaudit run -i $$inv --report text --report html=$(OUT)/report.html \
		--report junit=$(OUT)/junit.xml --report json=$(OUT)/report.json || rc=$$?; \
	case $$rc in \
		0) echo "demo: kaudit exit 0: every host compliant" ;; \
		1) echo "demo: kaudit exit 1: failing checks found (expected on this fleet)" ;; \
		3) echo "demo: kaudit exit 3: some hosts unreachable or incomplete" ;; \
		*) echo "demo: kaudit failed with exit $$rc" >&2; exit $$rc ;; \
	esac; \
	echo "demo: reports in $(OUT)/report.html, $(OUT)/junit.xml, $(OUT)/report.json; inventory $$inv"; \
	echo "demo: make demo-down stops the fleet"

demo-down: fleet-down ## stop the demo's fleet

.PHONY: bench
bench: build ## benchmarks: go test -bench, then kaudit vs pdsh vs Ansible on N test fleet hosts (root; N=500 RUNS=3)
	$(GO) test -run '^$$' -bench '^(BenchmarkLoad10k|BenchmarkSplitBuild|BenchmarkEval|BenchmarkOPAFloor)$$' -benchmem ./inventory ./probes/parse ./policies
	@mkdir -p $(OUT)
	$(GO) run ./bench/fleetbench -n $(or $(N),500) -runs $(or $(RUNS),3) -kaudit $(BIN)/kaudit \
		-state $(OUT)/bench-fleet.json -json $(OUT)/bench-N$(or $(N),500).json
