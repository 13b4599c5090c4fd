# The two commands a newcomer needs: `make run` and `make test`. Each installs what it
# needs first (scripts/bootstrap.sh: Debian packages, the Python venv with moto,
# DynamoDB Local), all into git-ignored folders of this checkout.

SHELL := /bin/bash
export DYNAMODB_PORT ?= 8000
export MOTO_PORT ?= 5000
export PORT ?= 3000
USERS ?= 3

.PHONY: run test seed bench deps lint unit integration services-up services-down fmt clean-local

deps:
	@bash scripts/bootstrap.sh

## run: the local stack on http://127.0.0.1:$(PORT); Ctrl-C stops all it started.
run: deps
	cargo build -p local --bin local-gateway
	bash scripts/services.sh fg -- target/debug/local-gateway

## test: format, lints, unit and integration tests against DynamoDB Local and moto.
test: deps lint
	bash scripts/services.sh fg -- cargo test --workspace --all-targets

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## seed: one more org with USERS existing users (the stack must be running).
seed:
	@cargo run -q -p local --bin seed

## bench: criterion benchmarks.
bench: deps
	cargo bench --workspace

services-up: deps
	bash scripts/services.sh up

services-down:
	bash scripts/services.sh down

clean-local:
	rm -rf .local .venv
