#!/usr/bin/env python3
"""Checks that template.yaml, openapi.yaml and tests/events/*.json agree.

1. Every HttpApi route of template.yaml (Method + Path of each HttpApi event of each
   AWS::Serverless::Function) is documented in openapi.yaml: an operation with the same
   method and path, or, for a proxy route such as `ANY /scim/v2/{proxy+}`, operations
   whose `x-template-route` (on the path item or the operation) names it.
2. Every openapi.yaml operation maps back to a template route: its `x-template-route`
   when it has one (the method must be allowed by it and the path must fall under it),
   else `METHOD path` itself.
3. Every tests/events/*.json (events for `sam local invoke`) fits the template:
   - an API Gateway HTTP API (payload 2.0) event: its routeKey is a template route of
     the function the file is named after (`<binary>[-what].json`), and rawPath,
     pathParameters, requestContext.http.method/path, rawQueryString and
     queryStringParameters agree with it and with each other;
   - a DynamoDB stream event: each record passes the FilterCriteria of one of that
     function's DynamoDB events;
   - anything else is the constant `Input` of one of that function's Schedule events.

Exits 0 when all holds, 1 with the list of problems otherwise, 2 on unusable input.
Needs PyYAML (installed into .venv by scripts/bootstrap.sh).

usage: check_routes.py [--template T] [--openapi O] [--events DIR]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote

try:
    import yaml
except ImportError:  # pragma: no cover - exercised only without the venv
    sys.exit("check_routes.py: PyYAML is missing; run it with .venv/bin/python (make deps)")

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# ---- YAML: CloudFormation's short tags (!Ref, !GetAtt, !Sub, ...) -------------------
class Tagged:
    """A value under a tag the loader does not know (e.g. `!Ref Table`)."""

    def __init__(self, tag: str, value: object) -> None:
        self.tag, self.value = tag, value

    def __repr__(self) -> str:
        return f"{self.tag} {self.value!r}"


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that accepts any unknown tag instead of failing on it."""


def _construct_tagged(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: object = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged("!" + tag_suffix, value)


CfnLoader.add_multi_constructor("!", _construct_tagged)


def load_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            doc = yaml.load(f, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    except (OSError, yaml.YAMLError) as e:
        sys.exit(f"check_routes.py: cannot read {path}: {e}")
    if not isinstance(doc, dict):
        sys.exit(f"check_routes.py: {path} is not a YAML mapping")
    return doc


# ---- routes and paths -----------------------------------------------------------------
def parse_route_key(key: str) -> tuple[str, str] | None:
    parts = key.split()
    if len(parts) != 2 or not parts[1].startswith("/"):
        return None
    return parts[0].upper(), parts[1]


def match_path(template_path: str, path: str) -> dict[str, str] | None:
    """Matches a concrete (or OpenAPI-templated) path against an API Gateway route path.

    `{name}` takes one segment, `{name+}` one or more (all that is left). Returns the
    path parameters, or None when the path does not fall under the route.
    """
    t_segs = template_path.strip("/").split("/")
    p_segs = path.strip("/").split("/")
    params: dict[str, str] = {}
    for i, seg in enumerate(t_segs):
        greedy = re.fullmatch(r"\{([A-Za-z0-9_]+)\+\}", seg)
        if greedy:
            if i != len(t_segs) - 1 or i >= len(p_segs):
                return None
            params[greedy.group(1)] = "/".join(p_segs[i:])
            return params
        if i >= len(p_segs):
            return None
        single = re.fullmatch(r"\{([A-Za-z0-9_]+)\}", seg)
        if single:
            if not p_segs[i]:
                return None
            params[single.group(1)] = p_segs[i]
        elif seg != p_segs[i]:
            return None
    return params if len(p_segs) == len(t_segs) else None


class Route:
    def __init__(self, method: str, path: str, logical_id: str, binary: str | None) -> None:
        self.method, self.path, self.logical_id, self.binary = method, path, logical_id, binary

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_proxy(self) -> bool:
        return "+}" in self.path

    def allows(self, method: str) -> bool:
        return self.method == "ANY" or self.method == method.upper()


class Function:
    def __init__(self, logical_id: str, binary: str | None) -> None:
        self.logical_id, self.binary = logical_id, binary
        self.routes: list[Route] = []
        self.schedule_inputs: list[tuple[str, object]] = []
        self.stream_filters: list[tuple[str, list[dict]]] = []


def template_functions(doc: dict, problems: list[str]) -> list[Function]:
    functions = []
    resources = doc.get("Resources") or {}
    for logical_id, res in resources.items():
        if not isinstance(res, dict):
            continue
        if res.get("Type") == "AWS::Serverless::HttpApi":
            body = (res.get("Properties") or {}).get("DefinitionBody")
            if body is not None:
                problems.append(
                    f"template: {logical_id} has a DefinitionBody; this checker reads routes "
                    "only from functions' HttpApi events"
                )
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        binary = ((res.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
        fn = Function(logical_id, binary if isinstance(binary, str) else None)
        events = (res.get("Properties") or {}).get("Events") or {}
        for event_id, event in events.items():
            kind = (event or {}).get("Type")
            props = (event or {}).get("Properties") or {}
            if kind == "HttpApi":
                method, path = props.get("Method"), props.get("Path")
                if not isinstance(method, str) or not isinstance(path, str):
                    problems.append(
                        f"template: {logical_id}.Events.{event_id} (HttpApi) needs literal "
                        "Method and Path (an HttpApi event without them is the $default route)"
                    )
                    continue
                fn.routes.append(Route(method.upper(), path, logical_id, fn.binary))
            elif kind == "Schedule":
                raw = props.get("Input")
                if isinstance(raw, str):
                    try:
                        fn.schedule_inputs.append((event_id, json.loads(raw)))
                    except json.JSONDecodeError as e:
                        problems.append(f"template: {logical_id}.Events.{event_id}.Input is not JSON: {e}")
            elif kind == "DynamoDB":
                filters = ((props.get("FilterCriteria") or {}).get("Filters")) or []
                patterns = []
                for f in filters:
                    try:
                        patterns.append(json.loads(f.get("Pattern", "{}")))
                    except (AttributeError, json.JSONDecodeError) as e:
                        problems.append(f"template: {logical_id}.Events.{event_id} filter: {e}")
                fn.stream_filters.append((event_id, patterns))
        functions.append(fn)
    return functions


# ---- 1 and 2: template <-> openapi ------------------------------------------------------
def check_openapi(routes: list[Route], spec: dict, problems: list[str]) -> int:
    by_key = {r.key: r for r in routes}
    covered: set[str] = set()
    n_ops = 0
    paths = spec.get("paths")
    if not isinstance(paths, dict) or not paths:
        problems.append("openapi: no paths")
        return 0
    for path, item in paths.items():
        if not isinstance(item, dict):
            problems.append(f"openapi: {path}: not a Path Item")
            continue
        path_level = item.get("x-template-route")
        ops = [m for m in HTTP_METHODS if m in item]
        if not ops:
            problems.append(f"openapi: {path}: no operations")
        for m in ops:
            n_ops += 1
            method = m.upper()
            op = item[m] or {}
            where = f"openapi: {method} {path}"
            declared = op.get("x-template-route", path_level)
            if declared is not None:
                parsed = parse_route_key(declared) if isinstance(declared, str) else None
                if parsed is None:
                    problems.append(f"{where}: x-template-route {declared!r} is not 'METHOD /path'")
                    continue
                route = by_key.get(f"{parsed[0]} {parsed[1]}")
                if route is None:
                    problems.append(f"{where}: x-template-route '{declared}' is not a route in template.yaml")
                    continue
                if not route.allows(method):
                    problems.append(f"{where}: template route '{route.key}' does not allow {method}")
                    continue
                if match_path(route.path, path) is None:
                    problems.append(f"{where}: path does not fall under template route '{route.key}'")
                    continue
                covered.add(route.key)
            else:
                route = by_key.get(f"{method} {path}") or by_key.get(f"ANY {path}")
                if route is None:
                    hint = ""
                    proxies = [r for r in routes if r.is_proxy and r.allows(method) and match_path(r.path, path) is not None]
                    if proxies:
                        hint = f" (it falls under '{proxies[0].key}': add x-template-route)"
                    problems.append(f"{where}: no such route in template.yaml{hint}")
                    continue
                covered.add(route.key)
    for r in routes:
        if r.key not in covered:
            how = " (mark the concrete paths with x-template-route)" if r.is_proxy else ""
            problems.append(f"template: {r.key} ({r.logical_id}) is missing from openapi.yaml{how}")
    return n_ops


# ---- 3: sam local invoke events -----------------------------------------------------
def function_for_event_file(stem: str, functions: list[Function]) -> Function | None:
    best = None
    for fn in functions:
        b = fn.binary
        if b and (stem == b or stem.startswith(b + "-")) and (best is None or len(b) > len(best.binary)):
            best = fn
    return best


def filter_matches(pattern: object, value: object) -> bool:
    """A subset of EventBridge/Lambda event filtering: nested keys, exact values and prefix."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(k in value and filter_matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        for p in pattern:
            if isinstance(p, dict) and "prefix" in p:
                if isinstance(value, str) and value.startswith(p["prefix"]):
                    return True
            elif p == value:
                return True
        return False
    return pattern == value


def check_http_event(name: str, ev: dict, fn: Function, routes: list[Route], problems: list[str]) -> str:
    where = f"events/{name}"
    key = ev.get("routeKey")
    if ev.get("version") != "2.0":
        problems.append(f"{where}: version must be \"2.0\" (HTTP API payload format 2.0)")
    parsed = parse_route_key(key) if isinstance(key, str) else None
    route = next((r for r in routes if parsed and r.key == f"{parsed[0]} {parsed[1]}"), None)
    if route is None:
        problems.append(f"{where}: routeKey {key!r} is not a route in template.yaml")
        return str(key)
    if route.logical_id != fn.logical_id:
        problems.append(f"{where}: routeKey '{key}' is served by {route.logical_id}, not {fn.logical_id}")
    ctx = ev.get("requestContext") or {}
    http = ctx.get("http") or {}
    if ctx.get("routeKey") != key:
        problems.append(f"{where}: requestContext.routeKey {ctx.get('routeKey')!r} != routeKey {key!r}")
    method = http.get("method")
    if not isinstance(method, str) or not method.isupper() or not route.allows(method) or method == "ANY":
        problems.append(f"{where}: requestContext.http.method {method!r} does not fit '{key}'")
    raw_path = ev.get("rawPath")
    if not isinstance(raw_path, str) or not raw_path.startswith("/"):
        problems.append(f"{where}: rawPath missing")
        return key
    if http.get("path") != raw_path:
        problems.append(f"{where}: requestContext.http.path {http.get('path')!r} != rawPath {raw_path!r}")
    params = match_path(route.path, raw_path)
    if params is None:
        problems.append(f"{where}: rawPath {raw_path!r} does not match '{route.path}'")
    else:
        got = ev.get("pathParameters") or {}
        want = {k: unquote(v) for k, v in params.items()}
        if got != want:
            problems.append(f"{where}: pathParameters {got!r} != {want!r} (from rawPath)")
    raw_qs = ev.get("rawQueryString")
    if not isinstance(raw_qs, str):
        problems.append(f"{where}: rawQueryString missing (use \"\" for none)")
    else:
        joined: dict[str, str] = {}
        for k, v in parse_qsl(raw_qs, keep_blank_values=True):
            joined[k] = f"{joined[k]},{v}" if k in joined else v  # API Gateway joins with ','
        got_qs = ev.get("queryStringParameters") or {}
        if got_qs != joined:
            problems.append(f"{where}: queryStringParameters {got_qs!r} != {joined!r} (from rawQueryString)")
    headers = ev.get("headers")
    if not isinstance(headers, dict) or not headers:
        problems.append(f"{where}: headers missing")
    else:
        upper = [h for h in headers if h != h.lower()]
        if upper:
            problems.append(f"{where}: header names must be lower case (as API Gateway sends them): {upper}")
        needs_auth = route.path.startswith("/admin/") or route.path.startswith("/scim/")
        if needs_auth and not str(headers.get("authorization", "")).startswith("Bearer "):
            problems.append(f"{where}: '{key}' needs an 'authorization: Bearer ...' header")
    body = ev.get("body")
    if ev.get("isBase64Encoded") and body is not None:
        try:
            base64.b64decode(body, validate=True)
        except (binascii.Error, TypeError):
            problems.append(f"{where}: isBase64Encoded but body is not base64")
    return key


def check_events(events_dir: Path, functions: list[Function], problems: list[str]) -> list[str]:
    lines = []
    routes = [r for fn in functions for r in fn.routes]
    files = sorted(events_dir.glob("*.json")) if events_dir.is_dir() else []
    if not files:
        problems.append(f"events: no *.json in {events_dir}")
    for path in files:
        name = path.name
        try:
            ev = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            problems.append(f"events/{name}: not JSON: {e}")
            continue
        fn = function_for_event_file(path.stem, functions)
        if fn is None:
            problems.append(f"events/{name}: name it after a function's binary ({', '.join(sorted(f.binary or '?' for f in functions))})")
            continue
        if isinstance(ev, dict) and "routeKey" in ev:
            what = check_http_event(name, ev, fn, routes, problems)
        elif isinstance(ev, dict) and isinstance(ev.get("Records"), list) and ev["Records"] \
                and all(isinstance(r, dict) and r.get("eventSource") == "aws:dynamodb" for r in ev["Records"]):
            what = "DynamoDB stream"
            if not fn.stream_filters:
                problems.append(f"events/{name}: {fn.logical_id} has no DynamoDB event")
            for i, rec in enumerate(ev["Records"]):
                ok = any(not pats or any(filter_matches(p, rec) for p in pats) for _, pats in fn.stream_filters)
                if not ok:
                    problems.append(f"events/{name}: Records[{i}] would be dropped by {fn.logical_id}'s FilterCriteria")
                if rec.get("eventName") not in ("INSERT", "MODIFY", "REMOVE"):
                    problems.append(f"events/{name}: Records[{i}].eventName {rec.get('eventName')!r}")
        else:
            match = [eid for eid, inp in fn.schedule_inputs if inp == ev]
            if not match:
                problems.append(
                    f"events/{name}: neither an HTTP API event, a DynamoDB stream event, nor the "
                    f"Input of one of {fn.logical_id}'s Schedule events"
                )
                continue
            what = f"Schedule {match[0]}"
        lines.append(f"  {name:<32} {fn.logical_id:<24} {what}")
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    ap.add_argument("--openapi", type=Path, default=ROOT / "openapi.yaml")
    ap.add_argument("--events", type=Path, default=ROOT / "tests" / "events")
    args = ap.parse_args(argv)

    problems: list[str] = []
    functions = template_functions(load_yaml(args.template), problems)
    routes = [r for fn in functions for r in fn.routes]
    if not routes:
        problems.append("template: no HttpApi routes found")
    spec = load_yaml(args.openapi)
    if not str(spec.get("openapi", "")).startswith("3.1"):
        problems.append(f"openapi: version {spec.get('openapi')!r}, want 3.1.x")
    n_ops = check_openapi(routes, spec, problems)
    event_lines = check_events(args.events, functions, problems)

    if problems:
        print(f"check_routes: {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(
        f"check_routes: OK: {len(routes)} template routes <-> {n_ops} openapi operations "
        f"in {len(spec['paths'])} paths; {len(event_lines)} events"
    )
    for line in event_lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
