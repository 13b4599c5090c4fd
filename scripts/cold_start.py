#!/usr/bin/env python3
"""Cold start of each Lambda function, the way Lambda sees it.

For every function of template.yaml (its `Binary:` lines), starts the binary N times
(default 7) against a minimal Lambda Runtime API served by this script on 127.0.0.1
(a fresh free port per run), and measures the time from process start (`Popen`) to
the first answered invocation (the POST to `/runtime/invocation/{id}/response`, or
`/error`), then kills the process. Also reports the init time: process start to the first
`GET /runtime/invocation/next` (what Lambda bills as "Init Duration").

Binaries: `target/lambda/<name>/bootstrap` (cargo lambda's output; when only
`bootstrap.zip` is there it is unzipped to a temporary folder), or `DIR/<name>` with
`--dir DIR` (e.g. `--dir target/debug`).

Each process gets a clean environment: the Lambda variables, loopback endpoints of
DynamoDB Local ($DYNAMODB_PORT, 8000) and moto ($MOTO_PORT, 5000), dummy credentials,
and the app config with the local stack's defaults (local/src/stack.rs `local_config`;
TABLE_NAME, SECRET_ID, PUBLIC_BASE_URL, APP_URL, MAIL_FROM, LOCAL_MODE can be
overridden from this script's environment, as for the local stack and the seed).
Before measuring, the emulators are brought to steady state (`warm_emulators`: a JVM
answers its first requests many times slower than a real endpoint ever does), and
SSL_CERT_FILE names the one CA bundle, as Lambda's image has (see `main`).
Functions that use the JWT key read the secret at init, so the emulators must run with the
table and the secret provisioned: this script checks that, and `--provision` runs
`target/debug/seed` first (build it with `cargo build -p local --bin seed`).

Event of each function: tests/events/<name>.json (mailer: mailer-sweep.json), or
`--event NAME=PATH`. An HTTP answer with any statusCode counts as answered (401 for an
admin route without a valid token is expected); `/error`, `/init/error`, an exit
before answering or no answer within --timeout is a failure.

Output: a Markdown table on stdout. Exit 0 when every function answered, 1 when one
did not, 2 when the setup is unusable (emulators down, secret missing, no binary...).
Process output goes to .local/logs/cold-start/<name>.log (--log-dir).

usage: cold_start.py [--runs N] [--dir DIR] [--provision] [--timeout S]
                     [--event NAME=PATH] [--log-dir DIR] [FUNCTION ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = "/2018-06-01/runtime"
REGION = "us-east-1"
MEMORY_MB = "256"
ACCOUNT = "123456789012"
# Events whose file is not named after the function.
EVENT_FILES = {"mailer": "mailer-sweep.json", "metadata-refresh": "metadata-refresh.json"}


class SetupError(Exception):
    """The benchmark cannot run (exit 2)."""


# --------------------------------------------------------------------------------------
# The fake Lambda Runtime API
# --------------------------------------------------------------------------------------


@dataclass
class Run:
    """One cold start: one process, one invocation."""

    function: str
    event: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    t_start: float = 0.0
    t_next: float | None = None  # first GET /next
    t_answer: float | None = None  # POST /response or /error fully received
    outcome: str | None = None  # "response" | "error" | "init-error"
    body: bytes = b""
    error_type: str = ""
    served: bool = False
    answered: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RuntimeApi:
    """Serves one Run on 127.0.0.1:<free port> in a daemon thread.

    One server (and port) per run: a killed process may still have a request in flight
    (its second GET /next, sent right after its answer), and that request must never be
    taken for the next process asking for its event.
    """

    def __init__(self, run: Run) -> None:
        self.current: Run | None = run
        api = self

        class Handler(BaseHTTPRequestHandler):
            # hyper (lambda_runtime_api_client) keeps connections alive: speak HTTP/1.1
            # and always send Content-Length.
            protocol_version = "HTTP/1.1"
            server_version = "fake-lambda-runtime-api"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                run = api.current
                if self.path.split("?")[0] != f"{API}/invocation/next":
                    self._reply(404, {"errorMessage": f"unknown path {self.path}"})
                    return
                if run is None:
                    self._reply(500, {"errorMessage": "no run in progress"})
                    return
                with run.lock:
                    first = not run.served
                    run.served = True
                    if run.t_next is None:
                        run.t_next = time.perf_counter()
                if not first:
                    # Like Lambda: /next blocks until the next invocation, which never
                    # comes; the process is killed meanwhile.
                    run.finished.wait(120)
                    self.close_connection = True
                    return
                deadline = int(time.time() * 1000) + 30_000
                trace = (
                    f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
                    f"Parent={secrets.token_hex(8)};Sampled=0"
                )
                self._reply(
                    200,
                    run.event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": run.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{run.function}"
                        ),
                        "Lambda-Runtime-Trace-Id": trace,
                    },
                )

            def do_POST(self) -> None:
                body = self._read_body()
                now = time.perf_counter()
                run = api.current
                path = self.path.split("?")[0]
                m = re.fullmatch(rf"{API}/invocation/([^/]+)/(response|error)", path)
                if path == f"{API}/init/error":
                    outcome = "init-error"
                elif m:
                    outcome = m.group(2)
                    if run is not None and m.group(1) != run.request_id:
                        self._reply(400, {"errorMessage": "unknown request id"})
                        return
                else:
                    self._reply(404, {"errorMessage": f"unknown path {self.path}"})
                    return
                if run is not None:
                    with run.lock:
                        if run.outcome is None:
                            run.t_answer = now
                            run.outcome = outcome
                            run.body = body
                            run.error_type = self.headers.get(
                                "Lambda-Runtime-Function-Error-Type", ""
                            )
                    run.answered.set()
                self._reply(202, {"status": "OK"})

            def _read_body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    # Streaming responses (Lambda-Runtime-Function-Response-Mode: streaming).
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, status: int, body, headers: dict | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False  # a /next may still wait for a killed process
            allow_reuse_address = True

            def handle_error(self, request, client_address) -> None:
                # A killed process resets its connections: expected, not worth a trace.
                if not isinstance(sys.exc_info()[1], OSError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------------------
# Emulator checks (SigV4-signed JSON calls, stdlib only)
# --------------------------------------------------------------------------------------


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def aws_json(port: int, service: str, target: str, version: str, payload: dict):
    """POST / with X-Amz-Target, signed with the dummy credentials -> (status, body)."""
    body = json.dumps(payload).encode()
    now = dt.datetime.now(dt.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {
        "content-type": f"application/x-amz-json-{version}",
        "host": f"127.0.0.1:{port}",
        "x-amz-date": amz_date,
        "x-amz-target": target,
    }
    names = sorted(headers)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{k}:{headers[k]}\n" for k in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{REGION}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = b"AWS4local"
    for part in (day, REGION, service, "aws4_request"):
        key = _sign(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential=local/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# Requests that warm the emulators up before anything is measured (see warm_emulators).
WARM_REQUESTS = 300


def warm_emulators(ddb_port: int, moto_port: int, app_env: dict) -> None:
    """Brings the emulators to steady state before measuring: right after it starts,
    DynamoDB Local (a JVM) answers a GetItem in 5-50 ms; warm, in about 1 ms, as a real
    DynamoDB endpoint always is. Without this, the first functions measured would be
    charged for the emulator's JIT warm-up rather than for their own cold start. Sends the
    access patterns the functions' first requests use: GetItem, BatchGetItem and a GSI
    Query on the table, and GetSecretValue on moto."""
    table, secret = app_env["TABLE_NAME"], app_env["SECRET_ID"]
    key = {"PK": {"S": "WARMUP"}, "SK": {"S": "WARMUP"}}
    calls = [
        (ddb_port, "dynamodb", "DynamoDB_20120810.GetItem", "1.0",
         {"TableName": table, "Key": key}),
        (ddb_port, "dynamodb", "DynamoDB_20120810.BatchGetItem", "1.0",
         {"RequestItems": {table: {"Keys": [key], "ConsistentRead": True}}}),
        (ddb_port, "dynamodb", "DynamoDB_20120810.Query", "1.0",
         {"TableName": table, "IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p",
          "ExpressionAttributeValues": {":p": {"S": "WARMUP"}}}),
        (moto_port, "secretsmanager", "secretsmanager.GetSecretValue", "1.1",
         {"SecretId": secret}),
    ]
    for i in range(WARM_REQUESTS):
        aws_json(*calls[i % len(calls)])


def check_emulators(ddb_port: int, moto_port: int, app_env: dict) -> list[str]:
    """Problems that stop functions from starting; [] when ready."""
    problems = []
    try:
        status, body = aws_json(
            ddb_port, "dynamodb", "DynamoDB_20120810.DescribeTable", "1.0",
            {"TableName": app_env["TABLE_NAME"]},
        )
        if status != 200:
            problems.append(
                f"table {app_env['TABLE_NAME']} not found in DynamoDB Local "
                f"(HTTP {status}: {body[:200].decode(errors='replace')})"
            )
    except OSError as e:
        problems.append(f"DynamoDB Local does not answer on 127.0.0.1:{ddb_port} ({e})")
    try:
        status, body = aws_json(
            moto_port, "secretsmanager", "secretsmanager.DescribeSecret", "1.1",
            {"SecretId": app_env["SECRET_ID"]},
        )
        if status != 200:
            problems.append(
                f"secret {app_env['SECRET_ID']} not found in moto "
                f"(HTTP {status}: {body[:200].decode(errors='replace')})"
            )
    except OSError as e:
        problems.append(f"moto does not answer on 127.0.0.1:{moto_port} ({e})")
    return problems


def provision(ddb_port: int, moto_port: int, app_env: dict) -> None:
    seed = ROOT / "target" / "debug" / "seed"
    if not os.access(seed, os.X_OK):
        raise SetupError(
            f"--provision: {seed.relative_to(ROOT)} not found; build it with "
            "`cargo build -p local --bin seed`"
        )
    env = dict(os.environ)
    env.update(app_env)
    env.setdefault("USERS", "1")
    env["DYNAMODB_PORT"] = str(ddb_port)
    env["MOTO_PORT"] = str(moto_port)
    proc = subprocess.run(
        [str(seed)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise SetupError(
            f"--provision: seed exited with {proc.returncode}:\n{proc.stderr[-2000:]}"
        )
    try:
        org = json.loads(proc.stdout.strip().splitlines()[-1]).get("companyId", "?")
    except (ValueError, IndexError, AttributeError):
        org = "?"
    print(
        f"cold-start: provisioned table {app_env['TABLE_NAME']}, secret "
        f"{app_env['SECRET_ID']}, sender {app_env['MAIL_FROM']} (seeded org {org})",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------------------
# Functions, binaries, events
# --------------------------------------------------------------------------------------


def template_functions() -> list[str]:
    text = (ROOT / "template.yaml").read_text()
    return re.findall(r"^\s*Binary:\s*([\w.-]+)\s*$", text, re.M)


@dataclass
class Target:
    name: str
    binary: Path
    event: bytes
    zip_bytes: int | None
    binary_bytes: int


def find_binary(name: str, bin_dir: Path | None, tmp: Path) -> tuple[Path, int | None]:
    """(path of the executable, size of bootstrap.zip or None)."""
    if bin_dir is not None:
        path = bin_dir / name
        if not path.is_file():
            raise SetupError(f"{name}: no binary at {path}")
        return path, None
    folder = ROOT / "target" / "lambda" / name
    zipped = folder / "bootstrap.zip"
    zip_bytes = zipped.stat().st_size if zipped.is_file() else None
    if (folder / "bootstrap").is_file():
        return folder / "bootstrap", zip_bytes
    if zip_bytes is not None:
        out = tmp / name
        out.mkdir(parents=True)
        with zipfile.ZipFile(zipped) as z:
            z.extract("bootstrap", out)
        exe = out / "bootstrap"
        exe.chmod(0o755)
        return exe, zip_bytes
    raise SetupError(
        f"{name}: neither {folder.relative_to(ROOT)}/bootstrap nor bootstrap.zip "
        "(run `make build`, or pass --dir DIR)"
    )


def load_event(name: str, overrides: dict[str, Path]) -> bytes:
    path = overrides.get(name) or ROOT / "tests" / "events" / EVENT_FILES.get(name, f"{name}.json")
    try:
        data = path.read_bytes()
        json.loads(data)
    except (OSError, ValueError) as e:
        raise SetupError(f"{name}: unusable event {path}: {e}") from e
    return data


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    total_ms: list[float] = field(default_factory=list)
    init_ms: list[float] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    failure: str | None = None


def describe_answer(body: bytes) -> str:
    """statusCode of an HTTP answer, else a short view of the JSON answer."""
    if b"\x00" * 8 in body:  # streaming: JSON prelude, 8 NULs, then the body
        body = body.split(b"\x00" * 8, 1)[0]
    try:
        value = json.loads(body)
    except ValueError:
        return f"non-JSON ({len(body)} B)"
    if isinstance(value, dict) and "statusCode" in value:
        return str(value["statusCode"])
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 40 else text[:37] + "..."


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def measure(target: Target, runs: int, timeout: float, env: dict, log_path: Path) -> Result:
    result = Result(target.name)
    with open(log_path, "wb") as log:
        for i in range(1, runs + 1):
            log.write(f"\n--- cold-start run {i}/{runs} ---\n".encode())
            log.flush()
            run = Run(target.name, target.event)
            api = RuntimeApi(run)
            run_env = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}"}
            run.t_start = time.perf_counter()
            proc = subprocess.Popen(
                [str(target.binary)],
                env=run_env,
                cwd=target.binary.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            failure = None
            try:
                deadline = run.t_start + timeout
                while not run.answered.wait(0.005):
                    code = proc.poll()
                    if code is not None and not run.answered.is_set():
                        failure = f"exited with status {code} before answering"
                        break
                    if time.perf_counter() > deadline:
                        failure = f"no answer within {timeout:g} s" + (
                            " (never asked for an invocation: stuck in init?)"
                            if run.t_next is None
                            else f" (got the event after {(run.t_next - run.t_start) * 1000:.0f} ms)"
                        )
                        break
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                run.finished.set()
                api.current = None
                api.close()
            if failure is None and run.outcome != "response":
                failure = f"{run.outcome} ({run.error_type or '-'}): " + run.body[
                    :300
                ].decode(errors="replace")
            if failure is not None:
                result.failure = f"run {i}: {failure}"
                break
            result.total_ms.append((run.t_answer - run.t_start) * 1000)
            if run.t_next is not None:
                result.init_ms.append((run.t_next - run.t_start) * 1000)
            result.statuses.append(describe_answer(run.body))
    return result


def fmt_ms(values: list[float], fn) -> str:
    return f"{fn(values):.1f}" if values else "-"


def table(results: list[Result], targets: dict[str, Target], runs: int) -> str:
    rows = [
        "| function | median ms | min ms | max ms | init ms (median) | runs | status | zip KiB | binary MiB |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in results:
        t = targets.get(r.name)
        statuses = ", ".join(dict.fromkeys(r.statuses)) or "-"
        if r.failure:
            statuses = f"FAILED{' after ' + statuses if r.statuses else ''}"
        zip_kib = f"{t.zip_bytes / 1024:.0f}" if t and t.zip_bytes is not None else "-"
        bin_mib = f"{t.binary_bytes / 2**20:.1f}" if t else "-"
        rows.append(
            f"| {r.name} | {fmt_ms(r.total_ms, statistics.median)} | {fmt_ms(r.total_ms, min)} "
            f"| {fmt_ms(r.total_ms, max)} | {fmt_ms(r.init_ms, statistics.median)} "
            f"| {len(r.total_ms)}/{runs} | {statuses.replace('|', '/')} | {zip_kib} | {bin_mib} |"
        )
    return "\n".join(rows)


# --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Cold start (process start -> first answered invocation) of each Lambda function.",
    )
    parser.add_argument("functions", nargs="*", help="functions to measure (default: all of template.yaml)")
    parser.add_argument("--runs", type=int, default=7, help="cold starts per function (default 7)")
    parser.add_argument("--dir", type=Path, help="take binaries from DIR/<name> instead of target/lambda")
    parser.add_argument("--provision", action="store_true", help="run target/debug/seed first")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer (default 30)")
    parser.add_argument("--event", action="append", default=[], metavar="NAME=PATH", help="event file of a function")
    parser.add_argument("--log-dir", type=Path, default=ROOT / ".local" / "logs" / "cold-start")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    ddb_port = int(os.environ.get("DYNAMODB_PORT") or 8000)
    moto_port = int(os.environ.get("MOTO_PORT") or 5000)
    base = f"http://127.0.0.1:{os.environ.get('PORT') or 3000}"
    # The local stack's defaults (local/src/stack.rs local_config), overridable likewise.
    defaults = {
        "TABLE_NAME": "sso-local",
        "SECRET_ID": "sso-local-keys",
        "PUBLIC_BASE_URL": base,
        "APP_URL": f"{base}/dev/app",
        "MAIL_FROM": "app@qualified.com",
        "LOCAL_MODE": "true",
    }
    app_env = {k: os.environ.get(k) or v for k, v in defaults.items()}

    all_functions = template_functions()
    names = args.functions or all_functions
    unknown = [n for n in names if n not in all_functions]
    if unknown:
        print(f"cold-start: not in template.yaml: {', '.join(unknown)}", file=sys.stderr)
        return 2
    overrides = {}
    for item in args.event:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--event {item}: expected NAME=PATH")
        overrides[name] = Path(path)

    tmp = Path(tempfile.mkdtemp(prefix="cold-start-"))
    try:
        bin_dir = args.dir.resolve() if args.dir else None
        targets = {}
        for name in names:
            binary, zip_bytes = find_binary(name, bin_dir, tmp)
            targets[name] = Target(
                name, binary, load_event(name, overrides), zip_bytes, binary.stat().st_size
            )

        if args.provision:
            provision(ddb_port, moto_port, app_env)
        problems = check_emulators(ddb_port, moto_port, app_env)
        if problems:
            raise SetupError(
                "the local emulators are not ready:\n  - "
                + "\n  - ".join(problems)
                + "\nStart them and provision the table and secret: `make run` (or "
                "`make services-up`, then `cargo run -p local --bin seed`), or pass "
                "--provision (runs target/debug/seed)."
            )

        warm_emulators(ddb_port, moto_port, app_env)
        args.log_dir.mkdir(parents=True, exist_ok=True)
        print(
            f"cold-start: {len(names)} function(s), {args.runs} run(s) each; "
            f"logs in {args.log_dir}",
            file=sys.stderr,
        )
        results = []
        for name in names:
            target = targets[name]
            env = {  # + AWS_LAMBDA_RUNTIME_API, set per run
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": MEMORY_MB,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{ddb_port}",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{moto_port}",
                "AWS_ENDPOINT_URL_SESV2": f"http://127.0.0.1:{moto_port}",
                # Lambda's provided.al2023 keeps its CA roots in one bundle file; with no
                # variable set, the TLS stack's probe here would instead read all ~150
                # files of Debian's /etc/ssl/certs at every cold start. Point it at
                # Debian's one bundle, as the function's own image has one.
                "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
                **app_env,
            }
            log_path = args.log_dir / f"{name}.log"
            result = measure(target, args.runs, args.timeout, env, log_path)
            results.append(result)
            state = (
                f"FAILED {result.failure}"
                if result.failure
                else f"median {statistics.median(result.total_ms):.1f} ms"
            )
            print(f"cold-start: {name}: {state}", file=sys.stderr)

        print(table(results, targets, args.runs))
        failed = [r for r in results if r.failure]
        for r in failed:
            log_path = args.log_dir / f"{r.name}.log"
            print(f"\n{r.name}: {r.failure}\n  log: {log_path}", file=sys.stderr)
            tail = log_tail(log_path)
            if tail:
                print("  " + tail.replace("\n", "\n  "), file=sys.stderr)
        return 1 if failed else 0
    except SetupError as e:
        print(f"cold-start: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
