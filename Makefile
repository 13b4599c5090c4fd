# The two commands a newcomer needs: `make run` and `make test`. Each installs what it
# needs first (scripts/bootstrap.sh: Debian packages, the Python venv with moto,
# DynamoDB Local), all into git-ignored folders of this checkout.

SHELL := /bin/bash
export DYNAMODB_PORT ?= 8000
export MOTO_PORT ?= 5000
export PORT ?= 3000
USERS ?= 3
# The Lambda functions: every Metadata.BuildProperties.Binary in template.yaml.
FUNCTIONS := $(shell sed -n 's/^ *Binary: *//p' template.yaml)
# Offline SAM CLI: no telemetry calls, a region so it never asks for one.
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1

.PHONY: run test seed portal-link bench deps lint lint-infra unit integration services-up services-down fmt clean-local sp-keys fuzz fuzz-smoke \
	build check-lambda sam-validate bench-cold-start sam-build

deps:
	@bash scripts/bootstrap.sh

## run: the local stack on http://127.0.0.1:$(PORT); Ctrl-C stops all it started.
run: deps
	cargo build -p local --bin local-gateway
	bash scripts/services.sh fg -- target/debug/local-gateway

## test: format, lints, unit and integration tests against DynamoDB Local and moto, then
## each fuzz target for a few seconds.
test: deps lint-infra lint
	bash scripts/services.sh fg -- cargo test --workspace --all-targets
	$(MAKE) --no-print-directory fuzz-smoke

## fuzz: each fuzz target for FUZZ_SECONDS (600) with libFuzzer (cargo-fuzz, on the stable
## toolchain with RUSTC_BOOTSTRAP=1), from the golden fixtures; figures at the end.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := acs metadata scim_filter scim_patch binding_token
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## fuzz-smoke: the same, a few seconds each, unoptimized (quicker to build): in make test.
fuzz-smoke:
	bash scripts/fuzz.sh 4 --dev $(FUZZ_TARGETS)

## lint-infra: cfn-lint on template.yaml; template routes <-> openapi.yaml <-> tests/events.
lint-infra: deps
	.venv/bin/cfn-lint template.yaml
	.venv/bin/python scripts/check_routes.py

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## sp-keys: make or rotate a deployment's SP keys in its Secrets Manager secret, with your
## AWS credentials: CMD=init (once), then for a rotation add-next, promote, drop-previous.
sp-keys:
	@SECRET_ID="$(SECRET_ID)" cargo run -q -p local --bin sp-keys -- $(CMD)

## portal-link: a fresh admin-portal link for the demo org (the stack must be running).
portal-link:
	@python3 -c "import json,urllib.request as u; d=json.load(open('.local/demo.json')); r=u.Request(d['baseUrl']+'/admin/portal/links', method='POST', headers={'Authorization': 'Bearer '+d['adminToken']}); print(json.load(u.urlopen(r))['url'])"

## seed: one more org with USERS existing users (the stack must be running).
seed:
	@cargo run -q -p local --bin seed

## bench: criterion benchmarks, then `make bench-cold-start` if `make build` has made
## target/lambda (bench does not build the release zips itself: that is slow).
bench: deps
	bash scripts/services.sh fg -- cargo bench --workspace
	ENABLE_USERS=10000 bash scripts/services.sh fg -- cargo test -p integration-tests lifecycle::enabling_for -- --nocapture
	@if [ -d target/lambda ]; then \
		$(MAKE) --no-print-directory bench-cold-start; \
	else \
		echo "bench: no target/lambda: skipping the cold-start benchmark (run \`make build\`, then \`make bench-cold-start\`)"; \
	fi

## bench-cold-start: each function's cold start (process start -> first answered
## invocation, through a fake Lambda Runtime API), median of RUNS (15), on the release
## binaries of `make build`; provisions the local table and secret with the seed binary.
RUNS ?= 15
bench-cold-start: deps
	bash scripts/services.sh fg -- sh -c 'cargo build -q -p local --bin seed && python3 scripts/cold_start.py --provision --runs $(RUNS)'

## build: release zips of every function (target/lambda/<name>/bootstrap.zip), as
## SAM deploys them; installs cargo-lambda and zig (PyPI) into .venv first. Slow.
build:
	@bash scripts/bootstrap.sh --with-build-tools
	PATH="$(CURDIR)/.venv/bin:$$PATH" cargo lambda build --release --x86-64 --output-format zip \
		$(addprefix --bin ,$(FUNCTIONS))

## check-lambda: the built zips link only base-system libraries and glibc <= 2.34 (AL2023).
check-lambda:
	bash scripts/check-lambda.sh

## sam-validate: SAM's own validation and its cfn-lint, offline (AWS SAM CLI in .venv-sam).
sam-validate:
	@bash scripts/bootstrap.sh --with-sam
	$(SAM_ENV) .venv-sam/bin/sam validate --template-file template.yaml
	$(SAM_ENV) .venv-sam/bin/sam validate --lint --template-file template.yaml

## sam-build: SAM's own build (its rust-cargolambda builder is a beta feature); needs
## cargo-lambda on PATH, which `make build` installs into .venv.
sam-build:
	@bash scripts/bootstrap.sh --with-build-tools --with-sam
	PATH="$(CURDIR)/.venv/bin:$$PATH" SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 $(SAM_ENV) .venv-sam/bin/sam build

services-up: deps
	bash scripts/services.sh up

services-down:
	bash scripts/services.sh down

clean-local:
	rm -rf .local .venv
