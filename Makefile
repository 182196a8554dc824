# orca-yarn: build, local real Hadoop cluster, tests. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO_LDFLAGS := -s -w -X main.version=$(VERSION)
CLUSTER := integration/cluster/cluster.sh
FUZZ_SMOKE ?= 3000x
FUZZ_BUDGET ?= 30s
TEST_LOG_DIR := .cache/test-logs

.PHONY: help deps build test test-unit test-integration test-integration-qop test-secure test-long test-python fuzz fuzz-smoke cluster-up cluster-down cluster-status \
	proto proto-check bench demo clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

deps: ## install what builds and tests need (apt packages, Go modules)
	@scripts/install-deps.sh

build: ## build bin/orca-yarn (static)
	CGO_ENABLED=0 go build -trimpath -ldflags '$(GO_LDFLAGS)' -o bin/orca-yarn ./cmd/orca-yarn

test: deps ## everything: unit, fuzz smoke, generated-code check, then integration on a real cluster
	$(MAKE) --no-print-directory proto-check
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-integration-qop
	$(MAKE) --no-print-directory test-secure
	$(MAKE) --no-print-directory test-long
	$(MAKE) --no-print-directory test-python

test-unit: ## unit tests (no cluster needed; integration tests skip with a message)
	scripts/gotest.sh unit -race -count=1 ./...

# The cluster is started (or reused) first; if it cannot start, this target fails: it never skips.
test-integration: build ## integration tests against the local real cluster (or $HADOOP_CONF_DIR)
	@mkdir -p $(TEST_LOG_DIR)
	@if [ -z "$${HADOOP_CONF_DIR:-}" ]; then $(CLUSTER) up | grep '^export HADOOP_CONF_DIR=' | tail -n 1 > $(TEST_LOG_DIR)/cluster.env; \
	  else echo "export HADOOP_CONF_DIR=$$HADOOP_CONF_DIR" > $(TEST_LOG_DIR)/cluster.env; fi
	pyenv=$$(scripts/install-python.sh | tail -n 1) && source $(TEST_LOG_DIR)/cluster.env && \
	  ORCA_REQUIRE_CLUSTER=1 ORCA_YARN_BIN=$(CURDIR)/bin/orca-yarn ORCA_TEST_PYENV=$$pyenv \
	  scripts/gotest.sh integration -tags integration -count=1 -p 1 -timeout 40m ./...
	ORCA_HADOOP_LIB_DIR=$$($(CLUSTER) jars) scripts/gotest.sh java-interop -tags javainterop -count=1 ./hadoop/ipc/...

# The AM's token connections (RM scheduler, NMs) must work under every hadoop.rpc.protection: the
# cluster restarts with integrity, then privacy, and the AM accepts only that QOP. Local cluster only.
test-integration-qop: build ## the Go-AM tests again under SASL integrity and privacy
	@if [ -n "$${HADOOP_CONF_DIR:-}" ]; then echo "test-integration-qop: needs the local cluster (HADOOP_CONF_DIR is set)"; exit 0; fi
	for p in integrity:auth-int privacy:auth-conf; do \
	  ORCA_RPC_PROTECTION=$${p%%:*} $(CLUSTER) up | grep '^export HADOOP_CONF_DIR=' | tail -n 1 > $(TEST_LOG_DIR)/cluster.env; \
	  source $(TEST_LOG_DIR)/cluster.env; \
	  ORCA_REQUIRE_CLUSTER=1 ORCA_EXPECT_QOP=$${p##*:} \
	    scripts/gotest.sh integration-$${p%%:*} -tags integration -count=1 -run 'TestGoAM' ./integration/e2e; \
	done
	$(CLUSTER) up >/dev/null

test-python: build ## the Python package: the wheel (with the binary), local mode, and YARN on the local cluster
	@mkdir -p $(TEST_LOG_DIR)
	@if [ -z "$${HADOOP_CONF_DIR:-}" ]; then $(CLUSTER) up | grep '^export HADOOP_CONF_DIR=' | tail -n 1 > $(TEST_LOG_DIR)/cluster.env; \
	  else echo "export HADOOP_CONF_DIR=$$HADOOP_CONF_DIR" > $(TEST_LOG_DIR)/cluster.env; fi
	source $(TEST_LOG_DIR)/cluster.env && ORCA_REQUIRE_CLUSTER=1 ORCA_YARN_BIN=$(CURDIR)/bin/orca-yarn python/run-tests.sh

# The Kerberized cluster (MIT KDC, privacy QOP) runs beside the plain one; every test that needs
# it (RequireSecure) must run here, none may skip.
test-secure: build ## Kerberos tests against the local secure cluster (SECURE=1 cluster.sh up)
	@mkdir -p $(TEST_LOG_DIR)
	SECURE=1 ORCA_RPC_PROTECTION=privacy $(CLUSTER) up | grep '^export ' > $(TEST_LOG_DIR)/cluster-secure.env
	source $(TEST_LOG_DIR)/cluster-secure.env && ORCA_REQUIRE_SECURE=1 ORCA_YARN_BIN=$(CURDIR)/bin/orca-yarn \
	  scripts/gotest.sh integration-secure -tags integration -count=1 -p 1 -timeout 20m -run 'Secure|Kerberos|KDC|JavaGSS' ./hadoop/... ./integration/...

# Delegation tokens outlived: the secure cluster restarts with a 30 s renew interval and a 2 min
# max lifetime, and an application with --keytab reads HDFS for 5 min (about 6 min in all).
test-long: build ## the long-running token test on a secure cluster with short token lifetimes
	@mkdir -p $(TEST_LOG_DIR)
	SECURE=1 ORCA_RPC_PROTECTION=privacy ORCA_TOKEN_RENEW_INTERVAL_MS=30000 ORCA_TOKEN_MAX_LIFETIME_MS=120000 \
	  $(CLUSTER) up | grep '^export ' > $(TEST_LOG_DIR)/cluster-long.env
	source $(TEST_LOG_DIR)/cluster-long.env && ORCA_REQUIRE_SECURE=1 ORCA_REQUIRE_LONG=1 ORCA_YARN_BIN=$(CURDIR)/bin/orca-yarn \
	  ORCA_HADOOP_LIB_DIR=$$($(CLUSTER) jars) \
	  scripts/gotest.sh integration-long -tags integration -count=1 -timeout 30m -run 'TestSecureLongRunningTokens' ./integration/e2e

fuzz-smoke: ## every fuzz target for $(FUZZ_SMOKE) inputs
	scripts/fuzz.sh $(FUZZ_SMOKE)

fuzz: ## every fuzz target for $(FUZZ_BUDGET)
	scripts/fuzz.sh $(FUZZ_BUDGET)

cluster-up: deps ## start (or reuse) the local Hadoop cluster; last line: export HADOOP_CONF_DIR=...
	@$(CLUSTER) up

cluster-down: ## stop the local Hadoop clusters (plain and secure)
	@$(CLUSTER) down
	@SECURE=1 $(CLUSTER) down

cluster-status: ## daemons, HDFS and YARN health of the local cluster
	@$(CLUSTER) status

proto: ## regenerate yarnpb/ Go code with the pinned protoc and protoc-gen-go
	scripts/gen-proto.sh

proto-check: ## fail if the committed generated code is stale
	scripts/check-proto.sh

bench: build ## benchmarks; results are written to docs/benchmarks.md
	bench/run.sh

demo: deps build ## the main job: a cluster if HADOOP_CONF_DIR is unset, then an example Ray program on 3 containers, streamed
	@mkdir -p .cache; if [ -z "$${HADOOP_CONF_DIR:-}" ]; then $(CLUSTER) up | grep '^export HADOOP_CONF_DIR=' | tail -n 1 > .cache/demo.env; \
	  else echo "export HADOOP_CONF_DIR=$$HADOOP_CONF_DIR" > .cache/demo.env; fi
	pyenv=$$(scripts/install-python.sh | tail -n 1) && source .cache/demo.env && \
	  bin/orca-yarn submit --num-nodes 3 --cores 2 --memory 3g --env "$${ORCA_DEMO_ENV:-$$pyenv}" --tag orca-demo examples/ray_on_yarn.py

clean: ## remove build outputs (not the download cache)
	rm -rf bin $(TEST_LOG_DIR)
