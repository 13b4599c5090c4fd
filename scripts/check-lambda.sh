#!/usr/bin/env bash
# scripts/check-lambda.sh — checks built Lambda binaries will run on provided.al2023.
#
# For each target/lambda/<name>/bootstrap (or the bootstrap inside
# target/lambda/<name>/bootstrap.zip), as `make build` leaves them:
#   - ELF for x86-64 (template.yaml's Architectures: [x86_64]);
#   - NEEDED shared libraries (readelf -d) only from the base system every Lambda
#     runtime has: libc, libm, libpthread, libdl, librt, libgcc_s, ld-linux-x86-64;
#   - the highest GLIBC_x.y symbol version it binds to (objdump -T) at most
#     MAX_GLIBC (default 2.34, Amazon Linux 2023's glibc).
# Prints a table (name, zip size, NEEDED, max GLIBC, verdict) and exits 1 when any
# binary fails, 2 when there is nothing to check.
#
# usage: scripts/check-lambda.sh [FILE...]
#   FILE: a bootstrap binary, a bootstrap.zip or any ELF (e.g. target/debug/sso-settings);
#   default: every target/lambda/*/bootstrap{,.zip}. LAMBDA_DIR overrides target/lambda.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAMBDA_DIR="${LAMBDA_DIR:-$ROOT/target/lambda}"
MAX_GLIBC="${MAX_GLIBC:-2.34}"
ALLOWED_NEEDED=(
  libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libgcc_s.so.1 ld-linux-x86-64.so.2
)

die() { printf 'check-lambda: %s\n' "$*" >&2; exit 2; }
for tool in readelf objdump; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Debian package binutils)"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/check-lambda.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Collect (name, file) pairs.
names=()
files=()
add() { names+=("$1"); files+=("$2"); }
if [ "$#" -gt 0 ]; then
  for f in "$@"; do
    [ -f "$f" ] || die "no such file: $f"
    base="$(basename "$f")"
    case "$base" in
      bootstrap | bootstrap.zip) add "$(basename "$(dirname "$(readlink -f "$f")")")" "$f" ;;
      *) add "$base" "$f" ;;
    esac
  done
else
  [ -d "$LAMBDA_DIR" ] || die "$LAMBDA_DIR does not exist; run 'make build' first"
  for d in "$LAMBDA_DIR"/*/; do
    d="${d%/}"
    if [ -f "$d/bootstrap.zip" ]; then
      add "$(basename "$d")" "$d/bootstrap.zip"
    elif [ -f "$d/bootstrap" ]; then
      add "$(basename "$d")" "$d/bootstrap"
    fi
  done
  [ "${#names[@]}" -gt 0 ] || die "no bootstrap or bootstrap.zip under $LAMBDA_DIR; run 'make build' first"
fi

human() { # bytes -> e.g. 5.2M
  awk -v b="$1" 'BEGIN { split("B K M G", u); i = 1; while (b >= 1024 && i < 4) { b /= 1024; i++ }
                          printf (i == 1 ? "%d%s" : "%.1f%s"), b, u[i] }'
}
version_gt() { # a > b, as versions
  [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n1)" = "$1" ]
}
is_allowed() {
  local lib="$1" ok
  for ok in "${ALLOWED_NEEDED[@]}"; do [ "$lib" = "$ok" ] && return 0; done
  return 1
}

rows=()
failed=0
for i in "${!names[@]}"; do
  name="${names[$i]}"
  file="${files[$i]}"
  zip_size="-"
  bin="$file"
  problems=()
  if [ "${file##*.}" = "zip" ]; then
    zip_size="$(human "$(stat -c %s "$file")")"
    bin="$tmp/$name.bootstrap"
    if ! unzip -p "$file" bootstrap >"$bin" 2>/dev/null || [ ! -s "$bin" ]; then
      rows+=("$name|$zip_size|-|-|FAIL: no bootstrap in zip")
      failed=1
      continue
    fi
  fi
  if ! header="$(readelf -h "$bin" 2>/dev/null)"; then
    rows+=("$name|$zip_size|-|-|FAIL: not an ELF file")
    failed=1
    continue
  fi
  grep -q 'Machine:.*X86-64' <<<"$header" || problems+=("not x86-64")

  needed="$(readelf -d "$bin" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' || true)"
  bad=()
  for lib in $needed; do
    is_allowed "$lib" || bad+=("$lib")
  done
  [ "${#bad[@]}" -eq 0 ] || problems+=("NEEDED ${bad[*]}")

  # Versions a statically linked binary has none of; objdump then says so on stderr.
  max_glibc="$(objdump -T "$bin" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//; s/\.$//' \
               | sort -uV | tail -n1 || true)"
  if [ -n "$max_glibc" ] && version_gt "$max_glibc" "$MAX_GLIBC"; then
    problems+=("GLIBC_$max_glibc > $MAX_GLIBC")
  fi

  needed_list="$(tr '\n' ' ' <<<"$needed" | sed 's/ *$//; s/ /,/g')"
  if [ "${#problems[@]}" -eq 0 ]; then
    verdict="ok"
  else
    verdict="FAIL: $(IFS=';'; echo "${problems[*]}")"
    failed=1
  fi
  rows+=("$name|$zip_size|${needed_list:-(static)}|${max_glibc:+GLIBC_$max_glibc}|$verdict")
done

{
  echo "name|zip size|NEEDED|max GLIBC|verdict"
  printf '%s\n' "${rows[@]}"
} | sed 's/||/|-|/g' | column -t -s '|'
echo "allowed NEEDED: ${ALLOWED_NEEDED[*]}; max glibc $MAX_GLIBC"
exit "$failed"
