#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that face the network (fuzz/fuzz_targets/): each
# target runs for SECONDS with libFuzzer (cargo-fuzz), from a corpus seeded with the golden
# fixtures, and the figures (executions per second, total executions) are printed at the
# end. A crash or panic stops the run with the input saved under fuzz/artifacts/<target>/;
# make it a test (README "Fuzzing").
#
#   scripts/fuzz.sh SECONDS [--dev] TARGET...
#
# The toolchain here is stable only; libFuzzer's instrumentation needs `-Z` flags, which
# RUSTC_BOOTSTRAP=1 lets stable rustc take (the same compiler, its unstable switches
# unlocked). `--dev` builds without optimizations: quicker to build, for `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?seconds}
shift
profile=(-O)
if [[ ${1:-} == --dev ]]; then
    profile=(--dev)
    shift
fi
targets=("$@")

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz 0.13.2 (crates.io)"
    cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi
export RUSTC_BOOTSTRAP=1

# Seeds: the project's own golden fixtures, by what each target parses.
seed() {
    local target=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    case $target in
        acs) cp tests/fixtures/saml/*.xml "$dir"/ ;;
        metadata) cp tests/fixtures/metadata/*.xml local/dev-idp/*.xml "$dir"/ 2>/dev/null || true ;;
        scim_filter) cp fuzz/seeds/scim_filter/* "$dir"/ ;;
        scim_patch) cp fuzz/seeds/scim_patch/* "$dir"/ ;;
        binding_token) cp fuzz/seeds/binding_token/* "$dir"/ ;;
    esac
}

(cd fuzz && cargo fuzz build "${profile[@]}" -s none)

summary=()
for target in "${targets[@]}"; do
    seed "$target"
    mkdir -p fuzz/artifacts/"$target"
    log=fuzz/artifacts/"$target"/last-run.log
    echo "fuzz: $target for ${seconds}s"
    if ! (cd fuzz && cargo fuzz run "${profile[@]}" -s none "$target" corpus/"$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=artifacts/"$target"/ -print_final_stats=1) >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz: $target FAILED: the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    summary+=("$(printf '%-14s %6ss %14s runs %10s exec/s' "$target" "$seconds" "$runs" "$rate")")
done
echo
echo "fuzz: no crash or panic"
printf '  %s\n' "${summary[@]}"
