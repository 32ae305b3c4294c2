#!/usr/bin/env python3
"""Offline lint of Grafana dashboard JSON (classic model, schemaVersion ~36-41), no Grafana server.

usage: grafana-dashboard-lint.py [--schemas DIR] [--datasource-uid UID ...] [--print-queries] FILE.json ...

Checks
 1. dashboard.jsonschema.json (grafana-foundation-sdk, generated from Grafana's own CUE kinds):
    top level, every panel (Panel or RowPanel, nested row panels too), unknown keys are errors.
 2. prometheus.jsonschema.json (Dataquery) for every target of a Prometheus panel.
 3. options / fieldConfig.defaults.custom of timeseries, stat, gauge, bargauge, table, text
    panels against that panel plugin's schema (unknown keys are errors; 'required' is
    relaxed because Grafana fills in defaults).
 4. semantics: unique panel ids, unique refIds, gridPos inside 24 columns, non-empty expr,
    every $var / ${var} / [[var]] in an expr or datasource uid is a templating variable or a
    Grafana built-in, datasource uid is a variable or one of --datasource-uid.
Copied from ../shared/deploy-checks/bin/grafana-dashboard-lint.py (the project's offline deploy checks) into
the repository so that CI on a fresh clone has it; local changes: the default schema folder is
schemas/grafana-v11.6 next to this file, and three corrections of the generated JSON schema (see
SCHEMA_CORRECTIONS) that make it accept what Grafana itself writes.
Also accepts the file wrapped as {"dashboard": {...}} (HTTP API / provisioning export).
 5. PromQL syntax of every panel query, offline, when promtool is on PATH (Debian package
    prometheus): the queries (variables replaced by placeholders) are written as recording
    rules to a temp file and `promtool check rules` parses them.  --no-promtool skips it.
--print-queries prints one JSON line per Prometheus query instead of the report
(consumed by promql-live-check.py).  Exit status 0 = clean, 1 = problems.
"""
import argparse, copy, json, os, re, shutil, subprocess, sys, tempfile
import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.join(HERE, "schemas", "grafana-v11.6")
BUILTINS = {"__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range",
            "__range_s", "__range_ms", "__from", "__to", "__dashboard", "__name", "__org",
            "__user", "__timeFilter", "__all", "__auto", "__auto_interval", "timeFilter"}
VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
PLUGIN_SCHEMAS = ("timeseries", "stat", "gauge", "bargauge", "table", "text")


def correct_schema(defs):
    """SCHEMA_CORRECTIONS: the JSON schema generated from Grafana's CUE kinds (grafana-foundation-sdk) is stricter
    than the CUE it comes from, in three places every exported dashboard hits:
    - Threshold.value is `number | null` in CUE (the base step is null, meaning -Infinity; the schema's own
      description says so) but `number` in the JSON schema;
    - MatcherConfig.options and DynamicConfigValue.value are `_` (any) in CUE but `object` in the JSON schema,
      so `{"id": "byName", "options": "lag"}` and `{"id": "unit", "value": "s"}` would be refused.
    Everything else stays as generated."""
    defs["Threshold"]["properties"]["value"] = {"type": ["number", "null"]}
    defs["MatcherConfig"]["properties"]["options"] = {}
    defs["DynamicConfigValue"]["properties"]["value"] = {}


def strip_required(node):
    if isinstance(node, dict):
        return {k: strip_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [strip_required(x) for x in node]
    return node


class Schemas:
    def __init__(self, d):
        self.dash = json.load(open(os.path.join(d, "dashboard.jsonschema.json")))
        self.defs = self.dash["definitions"]
        correct_schema(self.defs)
        top = copy.deepcopy(self.defs["Dashboard"])
        top["properties"]["panels"] = {"type": "array", "items": {"type": "object"}}
        self.top = jsonschema.Draft7Validator(dict(top, definitions=self.defs))
        self.panel = jsonschema.Draft7Validator({"$ref": "#/definitions/Panel", "definitions": self.defs})
        row = copy.deepcopy(self.defs["RowPanel"])
        row["properties"]["panels"] = {"type": "array", "items": {"type": "object"}}
        self.row = jsonschema.Draft7Validator(dict(row, definitions=self.defs))
        pq = json.load(open(os.path.join(d, "prometheus.jsonschema.json")))
        self.prom = jsonschema.Draft7Validator(pq)
        self.plugin = {}
        for name in PLUGIN_SCHEMAS:
            p = os.path.join(d, f"{name}.jsonschema.json")
            if not os.path.exists(p):
                continue
            s = strip_required(json.load(open(p)))
            defs = s["definitions"]
            opts = jsonschema.Draft7Validator({"$ref": "#/definitions/Options", "definitions": defs}) if "Options" in defs else None
            fc = jsonschema.Draft7Validator({"$ref": "#/definitions/FieldConfig", "definitions": defs}) if "FieldConfig" in defs else None
            self.plugin[name] = (opts, fc)


def errs(validator, inst, prefix):
    out = []
    for e in sorted(validator.iter_errors(inst), key=lambda e: list(map(str, e.absolute_path))):
        path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        msg = e.message
        if e.validator == "oneOf" or e.validator == "anyOf":
            best = jsonschema.exceptions.best_match(e.context) if e.context else None
            if best is not None:
                msg = best.message
        out.append(f"{path}: {msg}")
    return out


def variables(dash):
    return {v.get("name") for v in (dash.get("templating") or {}).get("list") or [] if v.get("name")}


def walk_panels(dash):
    for i, p in enumerate(dash.get("panels") or []):
        yield f"$.panels[{i}]", p
        if p.get("type") == "row":
            for j, sub in enumerate(p.get("panels") or []):
                yield f"$.panels[{i}].panels[{j}]", sub


def is_prom(ds, default_prom=True):
    if ds is None:
        return default_prom
    if isinstance(ds, str):
        return "prom" in ds.lower() or ds.startswith("$")
    t = ds.get("type")
    return t is None or t == "prometheus" or str(t).startswith("$")


def lint(path, S, ds_uids):
    problems, queries = [], []
    doc = json.load(open(path))
    dash = doc.get("dashboard", doc) if isinstance(doc, dict) else doc
    # "Export for sharing externally" adds these; Grafana strips them on import
    dash = {k: v for k, v in dash.items() if k not in ("__inputs", "__requires", "__elements")}
    problems += errs(S.top, dash, "$")
    vars_ = variables(dash)

    def check_vars(text, where):
        for m in VAR_RE.finditer(text or ""):
            name = m.group(1) or m.group(2) or m.group(3)
            if name not in vars_ and name not in BUILTINS:
                problems.append(f"{where}: unknown variable ${name}")

    def check_ds(ds, where):
        if isinstance(ds, dict) and ds.get("uid") is not None:
            uid = str(ds["uid"])
            if VAR_RE.fullmatch(uid):
                check_vars(uid, where)
            elif ds_uids and uid not in ds_uids:
                problems.append(f"{where}: datasource uid {uid!r} is neither a variable nor one of {sorted(ds_uids)}")

    ids = {}
    for where, p in walk_panels(dash):
        ptype = p.get("type")
        problems += errs(S.row if ptype == "row" else S.panel, p, where)
        pid = p.get("id")
        if pid in ids:
            problems.append(f"{where}: panel id {pid} already used by {ids[pid]}")
        ids[pid] = where
        gp = p.get("gridPos") or {}
        if gp and (gp.get("x", 0) + gp.get("w", 0) > 24 or gp.get("w", 1) < 1):
            problems.append(f"{where}.gridPos: x+w must stay within 24 columns (x={gp.get('x')}, w={gp.get('w')})")
        if ptype == "row":
            continue
        check_ds(p.get("datasource"), where + ".datasource")
        if ptype in S.plugin:
            ov, fv = S.plugin[ptype]
            if ov is not None and isinstance(p.get("options"), dict):
                problems += errs(ov, p["options"], where + ".options")
            custom = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("custom")
            if fv is not None and isinstance(custom, dict):
                problems += errs(fv, custom, where + ".fieldConfig.defaults.custom")
        targets = p.get("targets") or []
        if ptype not in ("text", "news", "dashlist", "alertlist", "annolist") and not targets:
            problems.append(f"{where}: panel {p.get('title')!r} has no targets")
        refids = set()
        for k, t in enumerate(targets):
            tw = f"{where}.targets[{k}]"
            if t.get("refId") in refids:
                problems.append(f"{tw}: duplicate refId {t.get('refId')}")
            refids.add(t.get("refId"))
            if not is_prom(t.get("datasource"), is_prom(p.get("datasource"))):
                continue
            problems += errs(S.prom, t, tw)
            check_ds(t.get("datasource"), tw + ".datasource")
            expr = t.get("expr", "")
            if not str(expr).strip():
                problems.append(f"{tw}: empty expr")
                continue
            check_vars(expr, tw + ".expr")
            queries.append({"file": path, "panel": p.get("title"), "where": tw, "refId": t.get("refId"),
                            "expr": expr, "hide": bool(t.get("hide"))})
    for v in (dash.get("templating") or {}).get("list") or []:
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if q:
                queries.append({"file": path, "panel": f"variable {v.get('name')}", "where": "$.templating",
                                "refId": v.get("name"), "expr": q, "variable": True})
    return problems, queries


def promtool_check(queries, promtool):
    """Parse each query with promtool (as a recording rule); return problems."""
    qs = [q for q in queries if not q.get("variable")]
    if not qs:
        return []
    placeholder = {"__rate_interval": "1m", "__interval": "1m", "__range": "5m",
                   "__range_s": "300", "__range_ms": "300000", "__interval_ms": "60000"}

    def fill(expr):
        return VAR_RE.sub(lambda m: placeholder.get(m.group(1) or m.group(2) or m.group(3), "placeholder"), expr)
    import yaml
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard_query_{i}", "expr": fill(q["expr"])} for i, q in enumerate(qs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as fh:
        yaml.safe_dump(rules, fh)
        tmp = fh.name
    try:
        r = subprocess.run([promtool, "check", "rules", tmp], capture_output=True, text=True)
    finally:
        os.unlink(tmp)
    if r.returncode == 0:
        return []
    out = []
    for line in (r.stdout + r.stderr).splitlines():
        m = re.search(r'"dashboard_query_(\d+)": (.*)', line)
        if m:
            q = qs[int(m.group(1))]
            out.append(f"{q['where']}.expr: PromQL: {m.group(2)}")
    return out or [f"promtool check rules failed: {(r.stdout + r.stderr).strip()[:300]}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    ap.add_argument("--datasource-uid", action="append", default=[])
    ap.add_argument("--print-queries", action="store_true")
    ap.add_argument("--no-promtool", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    S = Schemas(a.schemas)
    bad = 0
    for f in a.files:
        try:
            problems, queries = lint(f, S, set(a.datasource_uid))
            promtool = None if a.no_promtool or a.print_queries else shutil.which("promtool")
            if promtool:
                problems += promtool_check(queries, promtool)
        except (OSError, ValueError) as e:
            problems, queries = [f"cannot read: {e}"], []
        if a.print_queries:
            for q in queries:
                print(json.dumps(q))
            bad += bool(problems)
            continue
        for pr in problems:
            print(f"ERROR {f}: {pr}")
        print(f"{'OK   ' if not problems else 'FAIL '} {f}: {len(problems)} problem(s), {len(queries)} PromQL quer(y/ies)")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
