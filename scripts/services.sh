#!/usr/bin/env bash
# scripts/services.sh — run the local AWS emulators for development and CI.
#
# Usage: scripts/services.sh up|down|status|fg [-- CMD [ARGS...]]
#
#   up      run scripts/bootstrap.sh, then start (detached) whatever is not
#           already answering, and wait until both answer. Exit 0 when ready.
#   down    stop what `up`/`fg` started (by pid file) and wait for it to exit.
#           Services this script did not start are left alone.
#   status  print which services answer; exit 0 if all are up, 3 otherwise.
#   fg      like `up`, but stay in the foreground and stop the services it
#           started on Ctrl-C / SIGTERM / exit (for `make run`). Children also
#           get SIGTERM if this script is killed outright. With `-- CMD ...`,
#           runs CMD once the services are ready, then stops them and exits
#           with CMD's status.
#
# Services (loopback addresses only; override ports with env vars):
#   dynamodb  DynamoDB Local 3.3.1, in memory, -sharedDb   http://127.0.0.1:$DYNAMODB_PORT (8000)
#   moto      moto server (SES v2, Secrets Manager, ...)   http://127.0.0.1:$MOTO_PORT (5000)
# DynamoDB Local has no bind-address option (Jetty listens on all interfaces);
# everything here only ever talks to it through 127.0.0.1.
# -sharedDb: one database regardless of the client's access key and region, so
# the app and the tests see the same tables whatever credentials they use.
# Clients must sign their requests (any key, e.g. AWS_ACCESS_KEY_ID=test): moto
# picks the service from the Authorization header, and an unsigned request is
# treated as S3. SES identities live per region in moto. Mail sent through
# SES v1 or v2 appears in GET /moto-api/data.json under .ses.Message
# (.ses.RawMessage for raw mail); POST /moto-api/reset clears all moto state.
# In `fg -- CMD`, a SIGTERM to this script takes effect when CMD ends (Ctrl-C
# reaches CMD directly).
#
# Owns: .local/logs/<name>.log, .local/pids/<name>.pid, .local/services.lock
# Env:  DYNAMODB_PORT, MOTO_PORT, SERVICES_TIMEOUT (seconds to wait, default 60),
#       JAVA (java binary, default `java`).
set -euo pipefail
set +m   # background jobs stay in our process group (setsid then never forks)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
LOG_DIR="$LOCAL/logs"
PID_DIR="$LOCAL/pids"
DDB_DIR="$LOCAL/dynamodb"
VENV="$ROOT/.venv"

HOST=127.0.0.1
DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
MOTO_PORT="${MOTO_PORT:-5000}"
TIMEOUT="${SERVICES_TIMEOUT:-60}"
JAVA="${JAVA:-java}"
SERVICES=(dynamodb moto)

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

port_of() {
  case "$1" in
    dynamodb) echo "$DYNAMODB_PORT" ;;
    moto) echo "$MOTO_PORT" ;;
  esac
}

# Word that must appear in the command line of a process we started, so a
# recycled pid is never mistaken for ours.
cmd_tag() {
  case "$1" in
    dynamodb) echo "DynamoDBLocal.jar" ;;
    moto) echo "moto_server" ;;
  esac
}

# The command that runs service $1 in the foreground.
service_cmd() {
  case "$1" in
    dynamodb)
      printf '%s\0' "$JAVA" "-Djava.library.path=$DDB_DIR/DynamoDBLocal_lib" \
        -jar "$DDB_DIR/DynamoDBLocal.jar" -inMemory -sharedDb -disableTelemetry \
        -port "$DYNAMODB_PORT"
      ;;
    moto)
      printf '%s\0' "$VENV/bin/moto_server" -H "$HOST" -p "$MOTO_PORT"
      ;;
  esac
}

# probe NAME -> exit 0: the service answers; 1: nothing listens on its port;
# 2: something else answers there. Pure python3 (no curl needed).
PROBE_PY='
import http.client, sys
kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    c = http.client.HTTPConnection(host, port, timeout=3)
    if kind == "dynamodb":
        # An unsigned POST gets 400 MissingAuthenticationToken from DynamoDB Local.
        c.request("POST", "/", body=b"", headers={"Content-Type": "application/x-amz-json-1.0"})
        r = c.getresponse(); body = r.read(4096).lower()
        ok = r.status == 400 and b"dynamodb" in body
    else:
        c.request("GET", "/moto-api/")
        r = c.getresponse(); body = r.read(65536).lower()
        ok = r.status == 200 and b"moto" in body
except (OSError, http.client.HTTPException):
    # Refused / reset / timed out: not (yet) serving.
    sys.exit(1)
sys.exit(0 if ok else 2)
'
probe_python() {
  if [ -x "$VENV/bin/python" ]; then echo "$VENV/bin/python"; else echo python3; fi
}
probe() {
  local rc=0
  "$(probe_python)" -c "$PROBE_PY" "$1" "$HOST" "$(port_of "$1")" || rc=$?
  return "$rc"
}

# Prints the pid from .local/pids/NAME.pid if that process is alive and is ours.
our_pid() {
  local f="$PID_DIR/$1.pid" pid cmdline=
  [ -f "$f" ] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  fi
  if [[ -n "$cmdline" && "$cmdline" == *"$(cmd_tag "$1")"* ]]; then
    echo "$pid"
    return 0
  fi
  rm -f "$f"   # stale
  return 1
}

# Closes every inherited fd above 2 (lock fds, a CI runner's pipes, ...), so a
# long-running child never keeps them open.
close_extra_fds() {
  local fd n
  for fd in "/proc/$BASHPID/fd/"*; do
    n="${fd##*/}"
    if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 2 ]; then
      eval "exec $n>&-" 2>/dev/null || true
    fi
  done
}

# start NAME MODE: MODE=detached (own session, survives us) or child (dies
# with us via PR_SET_PDEATHSIG where setpriv supports it). Sets STARTED_PID.
STARTED_PID=
start_service() {
  local name="$1" mode="$2" cmd=() wrap=()
  mapfile -d '' -t cmd < <(service_cmd "$name")
  mkdir -p "$LOG_DIR" "$PID_DIR"
  if [ "$mode" = detached ]; then
    wrap=(setsid)
  elif [[ "$(setpriv --help 2>/dev/null || true)" == *--pdeathsig* ]]; then
    wrap=(setpriv --pdeathsig TERM --)
  fi
  log "starting $name on $HOST:$(port_of "$name") (log: ${LOG_DIR#"$ROOT"/}/$name.log)"
  (
    cd "$ROOT"
    close_extra_fds
    exec "${wrap[@]}" "${cmd[@]}"
  ) </dev/null >"$LOG_DIR/$name.log" 2>&1 &
  STARTED_PID=$!
  echo "$STARTED_PID" >"$PID_DIR/$name.pid"
}

# stop_services NAME...: TERM each process from its pid file (all at once, as
# each takes ~2 s to exit), wait for them, KILL what is left after 15 s.
stop_services() {
  local name pid i alive
  local -A pids=()
  for name in "$@"; do
    if pid="$(our_pid "$name")"; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids[$name]=$pid
    elif probe "$name"; then
      log "$name: up on port $(port_of "$name") but not started by services.sh; leaving it"
    else
      log "$name: not running"
    fi
  done
  for ((i = 0; i < 200; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    if [ "$i" -eq 150 ]; then
      for name in "${!pids[@]}"; do
        if kill -0 "${pids[$name]}" 2>/dev/null; then
          log "$name did not exit after 15 s; sending KILL"
          kill -KILL "${pids[$name]}" 2>/dev/null || true
        fi
      done
    fi
    sleep 0.1
  done
  for name in "${!pids[@]}"; do rm -f "$PID_DIR/$name.pid"; done
}

fail_with_log() {
  local name="$1" msg="$2"
  printf 'services: ERROR: %s\n' "$msg" >&2
  if [ -s "$LOG_DIR/$name.log" ]; then
    printf -- '--- last lines of %s ---\n' "$LOG_DIR/$name.log" >&2
    tail -n 30 "$LOG_DIR/$name.log" >&2
    printf -- '---\n' >&2
  fi
}

# Starts whatever is not already answering (MODE as in start_service) and waits
# for all services. Fills STARTED_NAMES. Returns 1 on failure after stopping
# what this call started.
STARTED_NAMES=()
bring_up() {
  local mode="$1" name rc pid
  local -A pending=()
  [ -f "$DDB_DIR/DynamoDBLocal.jar" ] || die "DynamoDB Local not installed (run scripts/bootstrap.sh)"
  [ -x "$VENV/bin/moto_server" ] || die "moto server not installed (run scripts/bootstrap.sh)"
  # Pass 1: probe every port first, so a conflict fails before anything starts.
  local -A state=()
  for name in "${SERVICES[@]}"; do
    rc=0; probe "$name" || rc=$?
    state[$name]=$rc
    if [ "$rc" -eq 2 ]; then
      log "ERROR: port $(port_of "$name") is in use by something that is not $name; set ${name^^}_PORT to another port"
      return 1
    fi
  done
  # Pass 2: start what does not answer yet.
  for name in "${SERVICES[@]}"; do
    if [ "${state[$name]}" -eq 0 ]; then
      if pid="$(our_pid "$name")"; then
        log "$name: already running (pid $pid) on $HOST:$(port_of "$name")"
      else
        log "$name: already answering on $HOST:$(port_of "$name") (not started by us); using it"
      fi
      continue
    fi
    if pid="$(our_pid "$name")"; then
      log "$name: pid $pid is still starting"
    else
      start_service "$name" "$mode"
      STARTED_NAMES+=("$name")
    fi
    pending[$name]=1
  done

  local deadline=$((SECONDS + TIMEOUT))
  while [ "${#pending[@]}" -gt 0 ]; do
    for name in "${!pending[@]}"; do
      if probe "$name"; then
        log "$name: up at http://$HOST:$(port_of "$name")"
        unset "pending[$name]"
      elif ! our_pid "$name" >/dev/null; then
        fail_with_log "$name" "$name exited during startup"
        stop_services "${STARTED_NAMES[@]}"
        return 1
      fi
    done
    [ "${#pending[@]}" -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for name in "${!pending[@]}"; do
        fail_with_log "$name" "$name did not answer on $HOST:$(port_of "$name") within ${TIMEOUT}s"
      done
      stop_services "${STARTED_NAMES[@]}"
      return 1
    fi
    sleep 0.3
  done
}

lock() {
  mkdir -p "$LOCAL"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCAL/services.lock"
    flock 9
  fi
}
unlock() {
  if { true >&9; } 2>/dev/null; then exec 9>&-; fi
}

cmd_up() {
  "$ROOT/scripts/bootstrap.sh"
  lock
  bring_up detached || exit 1
  unlock
}

cmd_down() {
  lock
  stop_services "${SERVICES[@]}"
  unlock
}

cmd_status() {
  local name pid rc all=0
  for name in "${SERVICES[@]}"; do
    rc=0; probe "$name" || rc=$?
    if [ "$rc" -eq 0 ]; then
      if pid="$(our_pid "$name")"; then
        echo "$name: up  http://$HOST:$(port_of "$name")  (pid $pid, started by services.sh)"
      else
        echo "$name: up  http://$HOST:$(port_of "$name")  (not started by services.sh)"
      fi
    elif [ "$rc" -eq 2 ]; then
      echo "$name: down (port $(port_of "$name") is used by something else)"; all=3
    elif pid="$(our_pid "$name")"; then
      echo "$name: starting  (pid $pid, not answering yet)"; all=3
    else
      echo "$name: down"; all=3
    fi
  done
  return "$all"
}

# EXIT trap of `fg`: stop what it started.
FG_STOPPING=0
fg_cleanup() {
  [ "$FG_STOPPING" -eq 1 ] && return
  FG_STOPPING=1
  trap - INT TERM
  stop_services "${STARTED_NAMES[@]}"
}

cmd_fg() {
  "$ROOT/scripts/bootstrap.sh"
  lock
  local fg_pids=() name pid rc=0
  trap fg_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bring_up child || exit 1
  unlock
  for name in "${STARTED_NAMES[@]}"; do
    pid="$(our_pid "$name")" && fg_pids+=("$pid")
  done

  if [ "$#" -gt 0 ]; then
    log "services ready; running: $*"
    "$@" || rc=$?
    exit "$rc"
  fi
  if [ "${#fg_pids[@]}" -eq 0 ]; then
    log "all services were already running; nothing to supervise"
    exit 0
  fi
  log "services ready; Ctrl-C stops them"
  # `wait -n` returns when any child ends (or when a trapped signal arrives).
  wait -n "${fg_pids[@]}" || rc=$?
  for name in "${STARTED_NAMES[@]}"; do
    our_pid "$name" >/dev/null || fail_with_log "$name" "$name exited unexpectedly"
  done
  exit "$((rc == 0 ? 1 : rc))"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  fg)
    shift
    [ "${1:-}" = "--" ] && shift
    cmd_fg "$@"
    ;;
  *)
    echo "usage: $0 up|down|status|fg [-- CMD [ARGS...]]" >&2
    exit 2
    ;;
esac
