"""Tests of what ships the platform, offline: the Helm chart's rendered manifests and the compose model.

Run by scripts/check-deploy.sh with its virtual environment (helm-python-sdk, PyYAML, pytest):
    .local/deploy-venv/bin/python -m pytest Tests/Deploy
COMPOSE_BIN names the standalone Compose v2 binary (the script sets it).
"""
import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
CHART = os.path.join(ROOT, "helm", "eventplatform")
PRODUCTION_VALUES = os.path.join(CHART, "ci", "production-values.yaml")
DASHBOARDS = os.path.join(ROOT, "dashboards")
COMPOSE_FILE = os.path.join(ROOT, "compose", "compose.yaml")
SOURCES = ("facebook", "tiktok", "app")
RELEASE = "ep"
FULLNAME = "ep-eventplatform"

# The local autoscaler's defaults (platform contract section 8): the chart's ScaledObjects and the
# compose autoscaler must say the same.
AUTOSCALER_DEFAULTS = {
    "lagThreshold": 50000,
    "activationLagThreshold": 0,
    "minReplicaCount": 1,
    "pollingInterval": 5,
    "scaleDownStabilization": 60,
}
DEFAULT_PARTITIONS = 6
# Settings read by `eventplatform autoscale` (contract section 8), which may not be in Sources/ yet.
AUTOSCALER_SETTINGS = {
    "AUTOSCALER_MIN_REPLICAS", "AUTOSCALER_MAX_REPLICAS", "AUTOSCALER_LAG_THRESHOLD",
    "AUTOSCALER_ACTIVATION_LAG_THRESHOLD", "AUTOSCALER_POLLING_INTERVAL",
    "AUTOSCALER_SCALE_DOWN_STABILIZATION", "AUTOSCALER_TARGET_DRAIN_SECONDS",
    "AUTOSCALER_EVEN_PARTITIONS", "AUTOSCALER_PORT", "AUTOSCALER_SCRAPE_TARGETS_FILE",
    "AUTOSCALER_SCRAPE_TARGET_HOST", "AUTOSCALER_COLLECTOR_GROUP_MEMBERS", "AUTOSCALER_STATUS_WINDOW",
}


# --- helpers ------------------------------------------------------------------------------------

def render(*args):
    """helm template of the chart (offline, helm-python-sdk); returns the list of manifests."""
    r = subprocess.run(
        [sys.executable, os.path.join(HERE, "bin", "helm-offline.py"), "template", CHART,
         "--name", RELEASE, "--namespace", "events", *args],
        capture_output=True, text=True)
    if r.returncode != 0:
        raise RenderError(r.stderr.strip())
    return [d for d in yaml.safe_load_all(r.stdout) if d]


class RenderError(Exception):
    pass


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_specs(docs):
    """(kind/name, pod spec) of every workload."""
    for d in docs:
        if d["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"]


def autoscaled_deployments(docs):
    """Deployment name -> the kinds that scale it (HPA, ScaledObject)."""
    owners = {}
    for d in docs:
        if d["kind"] in ("HorizontalPodAutoscaler", "ScaledObject"):
            ref = d["spec"]["scaleTargetRef"]
            assert ref.get("kind", "Deployment") == "Deployment"
            owners.setdefault(ref["name"], []).append(d["kind"])
    return owners


def hook_weight(doc):
    return int((doc["metadata"].get("annotations") or {}).get("helm.sh/hook-weight", "0"))


def hooks(doc):
    return set(filter(None, (doc["metadata"].get("annotations") or {}).get("helm.sh/hook", "").split(",")))


HAVE_ALERTS = os.path.exists(os.path.join(DASHBOARDS, "alerts.yaml"))
HAVE_DASHBOARDS = bool(glob.glob(os.path.join(DASHBOARDS, "*.json")))
# while dashboards/ lacks them, the renders leave the PrometheusRule / dashboard ConfigMaps out
MISSING = (([] if HAVE_ALERTS else ["--set", "prometheusRule.enabled=false"])
           + ([] if HAVE_DASHBOARDS else ["--set", "dashboards.enabled=false"]))
RENDERS = {
    "default": [],
    "production": ["-f", PRODUCTION_VALUES, *MISSING],
    "keda-off-hpa": ["--set", "collector.keda.enabled=false", "--set", "collector.hpa.enabled=true"],
    "fixed-replicas": ["--set", "collector.keda.enabled=false", "--set", "gateway.hpa.enabled=false",
                       "--set", "reporter.hpa.enabled=false"],
    "monitoring": ["--set", "metrics.serviceMonitor.enabled=true"]
                  + (["--set", "prometheusRule.enabled=true"] if HAVE_ALERTS else [])
                  + (["--set", "dashboards.enabled=true", "--set", "dashboards.datasource.enabled=true",
                      "--set", "dashboards.datasource.url=http://prometheus.monitoring:9090"] if HAVE_DASHBOARDS else [])
                  + (["--set", "postgresExporterQueries.enabled=true"]
                     if os.path.exists(os.path.join(DASHBOARDS, "postgres-exporter-queries.yaml")) else []),
}


@pytest.fixture(scope="session")
def rendered():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = render(*RENDERS[name])
        return cache[name]
    return get


# --- KEDA ScaledObjects ---------------------------------------------------------------------------

def test_a_scaled_object_per_source_on_its_group_and_topic_with_the_autoscaler_defaults(rendered):
    docs = rendered("default")
    objects = by_kind(docs, "ScaledObject")
    assert len(objects) == len(SOURCES)
    for source in SOURCES:
        so = named(docs, "ScaledObject", f"{FULLNAME}-collector-{source}")
        spec = so["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                          "name": f"{FULLNAME}-collector-{source}"}
        named(docs, "Deployment", spec["scaleTargetRef"]["name"])
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "kafka"
        md = trigger["metadata"]
        assert md["consumerGroup"] == f"collector-{source}"
        assert md["topic"] == f"events.{source}"
        assert md["bootstrapServers"]
        assert md["lagThreshold"] == str(AUTOSCALER_DEFAULTS["lagThreshold"])
        assert md["activationLagThreshold"] == str(AUTOSCALER_DEFAULTS["activationLagThreshold"])
        assert md.get("allowIdleConsumers", "false") == "false", "the partition cap must stay on"
        assert all(isinstance(v, str) for v in md.values()), "KEDA trigger metadata values are strings"
        assert spec["minReplicaCount"] == AUTOSCALER_DEFAULTS["minReplicaCount"]
        assert spec["maxReplicaCount"] == DEFAULT_PARTITIONS
        assert spec["pollingInterval"] == AUTOSCALER_DEFAULTS["pollingInterval"]
        behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] == AUTOSCALER_DEFAULTS["scaleDownStabilization"]
        assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0, "scale-out is immediate"
        fb = spec["fallback"]
        assert fb["failureThreshold"] >= 1
        assert fb["behavior"] == "currentReplicasIfHigher", "a failed lag read never scales in"


def test_the_topic_prefix_names_group_and_topic():
    docs = render("--set", "kafka.topicPrefix=staging.")
    for source in SOURCES:
        md = named(docs, "ScaledObject", f"{FULLNAME}-collector-{source}")["spec"]["triggers"][0]["metadata"]
        assert md["consumerGroup"] == f"staging.collector-{source}"
        assert md["topic"] == f"staging.events.{source}"
    env = {e["name"]: e.get("value") for e in
           named(docs, "Deployment", f"{FULLNAME}-collector-app")["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["KAFKA_TOPIC_PREFIX"] == "staging."


def test_max_replicas_follow_the_partitions_and_never_exceed_them(rendered):
    docs = rendered("production")
    values = yaml.safe_load(open(PRODUCTION_VALUES))
    partitions = values["kafka"]["partitions"]
    for so in by_kind(docs, "ScaledObject"):
        assert so["spec"]["maxReplicaCount"] <= partitions
        assert so["spec"]["triggers"][0]["metadata"]["ensureEvenDistributionOfPartitions"] == "true"
    docs = render("--set", "kafka.partitions=12")
    assert {so["spec"]["maxReplicaCount"] for so in by_kind(docs, "ScaledObject")} == {12}
    with pytest.raises(RenderError, match="above kafka.partitions"):
        render("--set", "collector.keda.maxReplicaCount=7")
    with pytest.raises(RenderError, match="above kafka.partitions"):
        render("--set", "collector.keda.enabled=false", "--set", "collector.hpa.enabled=true",
               "--set", "collector.hpa.maxReplicas=9")


def test_one_group_member_per_pod_and_the_optional_scale_up_tolerance(rendered):
    """KEDA caps replicas at the partitions, assuming a pod is one consumer (as the local autoscaler's
    instances are): more members per pod would leave pods without partitions below that cap."""
    for d in by_kind(rendered("default"), "Deployment"):
        if d["metadata"]["name"].startswith(f"{FULLNAME}-collector-"):
            env = {e["name"]: e.get("value") for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
            assert env["COLLECTOR_GROUP_MEMBERS"] == "1"
    scale_up = lambda docs: [so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleUp"]
                             for so in by_kind(docs, "ScaledObject")]
    assert all("tolerance" not in b for b in scale_up(rendered("default"))), "the cluster's tolerance by default"
    assert all(b["tolerance"] == "0.01" for b in scale_up(render("--set", "collector.keda.scaleUpTolerance=0.01")))


def test_keda_off_gives_an_hpa_or_fixed_replicas(rendered):
    docs = rendered("keda-off-hpa")
    assert not by_kind(docs, "ScaledObject")
    for source in SOURCES:
        hpa = named(docs, "HorizontalPodAutoscaler", f"{FULLNAME}-collector-{source}")
        assert hpa["spec"]["maxReplicas"] == DEFAULT_PARTITIONS
    docs = rendered("fixed-replicas")
    assert not by_kind(docs, "ScaledObject") and not by_kind(docs, "HorizontalPodAutoscaler")
    for d in by_kind(docs, "Deployment"):
        assert "replicas" in d["spec"], f"{d['metadata']['name']}: nothing scales it, so it needs replicas"


@pytest.mark.parametrize("name", list(RENDERS))
def test_no_deployment_has_both_replicas_and_an_autoscaler(rendered, name):
    docs = rendered(name)
    owners = autoscaled_deployments(docs)
    for target, kinds in owners.items():
        assert len(kinds) == 1, f"{target} is scaled by {kinds}: KEDA and an HPA fight"
        named(docs, "Deployment", target)
    for d in by_kind(docs, "Deployment"):
        if d["metadata"]["name"] in owners:
            assert "replicas" not in d["spec"], (
                f"Deployment {d['metadata']['name']} sets replicas although "
                f"{owners[d['metadata']['name']][0]} owns its scale (each upgrade would reset it)")


# --- pods -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(RENDERS))
def test_every_container_is_non_root_locked_down_with_resources(rendered, name):
    docs = rendered(name)
    specs = list(pod_specs(docs))
    assert specs
    for where, spec in specs:
        pod_sc = spec.get("securityContext") or {}
        assert (pod_sc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c.get("securityContext") or {}
            run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
            uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
            assert run_as_non_root is True, f"{where}/{c['name']}: runAsNonRoot"
            assert uid not in (None, 0), f"{where}/{c['name']}: a numeric non-root runAsUser"
            assert sc.get("readOnlyRootFilesystem") is True, f"{where}/{c['name']}: readOnlyRootFilesystem"
            assert sc.get("allowPrivilegeEscalation") is False, f"{where}/{c['name']}: allowPrivilegeEscalation"
            assert sc.get("privileged", False) is False, f"{where}/{c['name']}: privileged"
            assert (sc.get("capabilities") or {}).get("drop") == ["ALL"], f"{where}/{c['name']}: drop ALL"
            assert not (sc.get("capabilities") or {}).get("add"), f"{where}/{c['name']}: no added capabilities"
            res = c.get("resources") or {}
            assert (res.get("requests") or {}).get("cpu") and (res.get("requests") or {}).get("memory"), \
                f"{where}/{c['name']}: cpu and memory requests"
            assert (res.get("limits") or {}).get("memory"), f"{where}/{c['name']}: a memory limit"
            assert c["image"] and not c["image"].endswith(":latest"), f"{where}/{c['name']}: pinned image"


@pytest.mark.parametrize("name", list(RENDERS))
def test_every_service_container_has_health_probes_on_its_port(rendered, name):
    docs = rendered(name)
    deployments = by_kind(docs, "Deployment")
    assert deployments
    for d in deployments:
        for c in d["spec"]["template"]["spec"]["containers"]:
            where = f"Deployment/{d['metadata']['name']}/{c['name']}"
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
                assert probe in c, f"{where}: {probe}"
                get = c[probe]["httpGet"]
                assert get["path"] == path, f"{where}: {probe} path"
                assert get["port"] in ports or get["port"] in ports.values(), f"{where}: {probe} port"
            assert d["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30) >= 30


def test_the_roles_run_the_right_subcommands_and_ports(rendered):
    docs = rendered("default")
    gateway = named(docs, "Deployment", f"{FULLNAME}-gateway")["spec"]["template"]["spec"]["containers"][0]
    reporter = named(docs, "Deployment", f"{FULLNAME}-reporter")["spec"]["template"]["spec"]["containers"][0]
    assert gateway["args"] == ["gateway"] and gateway["ports"][0]["containerPort"] == 8080
    assert reporter["args"] == ["reporter"] and reporter["ports"][0]["containerPort"] == 8081
    for source, port in zip(SOURCES, (9101, 9102, 9103)):
        c = named(docs, "Deployment", f"{FULLNAME}-collector-{source}")["spec"]["template"]["spec"]["containers"][0]
        assert c["args"] == ["collector", "--source", source], "each pod runs one collector, not the local supervisor"
        assert c["ports"][0]["containerPort"] == port
        env = {e["name"]: e for e in c["env"]}
        assert env["COLLECTOR_SOURCE"]["value"] == source
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
        assert env["KAFKA_PARTITIONS"]["value"] == str(DEFAULT_PARTITIONS)
    for name in ("gateway", "reporter"):
        named(docs, "HorizontalPodAutoscaler", f"{FULLNAME}-{name}")
        named(docs, "PodDisruptionBudget", f"{FULLNAME}-{name}")
        svc = named(docs, "Service", f"{FULLNAME}-{name}")
        assert svc["spec"]["ports"][0]["targetPort"] == "http"


def test_the_database_url_comes_from_an_existing_secret_when_named(rendered):
    docs = rendered("production")
    assert not by_kind(docs, "Secret"), "with postgresql.existingSecret the chart creates no Secret"
    for where, spec in pod_specs(docs):
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        ref = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "eventplatform-database", "key": "DATABASE_URL"}, where
    docs = render("--set", "postgresql.password=p@ss/word", "--set", "postgresql.sslmode=require")
    url = named(docs, "Secret", f"{FULLNAME}-database")["stringData"]["DATABASE_URL"]
    assert url == "postgres://eventplatform:p%40ss%2Fword@postgresql.postgresql.svc:5432/eventplatform?sslmode=require"


# --- hooks ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["default", "production"])
def test_migrations_run_first_then_topics_then_the_services(rendered, name):
    docs = rendered(name)
    migrate = named(docs, "Job", f"{FULLNAME}-migrate")
    topics = named(docs, "Job", f"{FULLNAME}-topics")
    assert migrate["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    assert topics["spec"]["template"]["spec"]["containers"][0]["args"] == ["topics"]
    for job in (migrate, topics):
        assert hooks(job) == {"pre-install", "pre-upgrade"}
        assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert hook_weight(migrate) < hook_weight(topics), "migrations must run before topic creation"
    secrets = [d for d in by_kind(docs, "Secret") if hooks(d)]
    for s in secrets:  # the Secret the Jobs read exists before them
        assert hooks(s) == {"pre-install", "pre-upgrade"} and hook_weight(s) < hook_weight(migrate)
    for d in docs:  # everything else is an ordinary resource, created after all pre-install hooks
        if d["kind"] not in ("Job", "Secret"):
            assert not hooks(d), f"{d['kind']}/{d['metadata']['name']} is a hook"


def test_hook_weights_that_would_reorder_the_jobs_are_refused():
    with pytest.raises(RenderError, match="migrations run first"):
        render("--set", "hooks.migrate.weight=20")


# --- monitoring: the chart's copies are the project's files ----------------------------------------

# original under dashboards/ -> its copy under the chart's files/ (scripts/sync-chart-files.sh)
CHART_COPIES = {
    "alerts.yaml": "alerts.yaml",
    "postgres-exporter-queries.yaml": "postgres-exporter-queries.yaml",
    os.path.join("provisioning", "datasources", "prometheus.yaml"): "grafana-datasource.yaml",
}


def test_chart_copies_equal_the_dashboards_folder():
    """The chart's files/ hold byte-for-byte copies of dashboards/ (Helm reads only files inside a chart)."""
    files = os.path.join(CHART, "files")
    hint = "run scripts/sync-chart-files.sh and commit the chart's files/"
    for original, copy in CHART_COPIES.items():
        original, copy = os.path.join(DASHBOARDS, original), os.path.join(files, copy)
        if os.path.exists(original):
            assert os.path.exists(copy), f"the chart has no copy of {original}: {hint}"
            assert open(original, "rb").read() == open(copy, "rb").read(), f"{copy} differs from {original}: {hint}"
        else:
            assert not os.path.exists(copy), f"{copy} has no original any more: {hint}"
    originals = {os.path.basename(p) for p in glob.glob(os.path.join(DASHBOARDS, "*.json"))}
    copies = {os.path.basename(p) for p in glob.glob(os.path.join(files, "dashboards", "*.json"))}
    assert copies == originals, f"dashboard copies {sorted(copies)} != dashboards/ {sorted(originals)}: {hint}"
    for name in originals:
        assert open(os.path.join(DASHBOARDS, name), "rb").read() == \
            open(os.path.join(files, "dashboards", name), "rb").read(), f"files/dashboards/{name} differs: {hint}"


def test_prometheus_rule_and_dashboard_configmaps_carry_the_project_files(rendered):
    docs = rendered("monitoring")
    sm = named(docs, "ServiceMonitor", FULLNAME)
    assert sm["spec"]["endpoints"][0]["path"] == "/metrics"
    alerts = os.path.join(DASHBOARDS, "alerts.yaml")
    if HAVE_ALERTS:
        rule = named(docs, "PrometheusRule", FULLNAME)
        assert rule["spec"] == yaml.safe_load(open(alerts)), "PrometheusRule spec != dashboards/alerts.yaml"
    else:
        with pytest.raises(RenderError, match="alerts.yaml is missing"):
            render("--set", "prometheusRule.enabled=true")
    originals = sorted(glob.glob(os.path.join(DASHBOARDS, "*.json")))
    maps = [d for d in by_kind(docs, "ConfigMap") if (d["metadata"].get("labels") or {}).get("grafana_dashboard") == "1"]
    assert len(maps) == len(originals)
    data = {k: v for m in maps for k, v in m["data"].items()}
    for path in originals:
        name = os.path.basename(path)
        assert json.loads(data[name]) == json.load(open(path)), f"dashboard ConfigMap {name} != dashboards/{name}"
    queries = os.path.join(DASHBOARDS, "postgres-exporter-queries.yaml")
    if os.path.exists(queries):
        cm = named(docs, "ConfigMap", f"{FULLNAME}-postgres-exporter-queries")
        assert cm["data"]["queries.yaml"] == open(queries).read().rstrip("\n")
    datasource = os.path.join(DASHBOARDS, "provisioning", "datasources", "prometheus.yaml")
    if os.path.exists(datasource) and HAVE_DASHBOARDS:
        cm = named(docs, "ConfigMap", f"{FULLNAME}-grafana-datasource")
        assert cm["metadata"]["labels"]["grafana_datasource"] == "1"
        rendered_ds = yaml.safe_load(cm["data"]["eventplatform-datasource.yaml"])
        expected = yaml.safe_load(open(datasource))
        for ds in expected["datasources"]:
            ds["url"] = "http://prometheus.monitoring:9090"
        assert rendered_ds == expected, "the chart's datasource is the project's, with the cluster's URL"


# --- compose --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def compose():
    binary = os.environ.get("COMPOSE_BIN") or os.path.join(ROOT, ".local", "deploy-tools", "docker-compose")
    r = subprocess.run([binary, "-f", COMPOSE_FILE, "--profile", "*", "config", "--format", "json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_compose_has_every_service_the_platform_needs(compose):
    services = compose["services"]
    for name in ("kafka", "postgres", "migrate", "topics", "gateway", "reporter", "autoscaler",
                 "prometheus", "grafana", "postgres-exporter", "traffic", "kafka-2", "kafka-3"):
        assert name in services, f"compose has no {name} service"
    assert services["traffic"].get("profiles") == ["traffic"]
    assert services["kafka-2"].get("profiles") == ["three-brokers"]
    assert services["kafka-3"].get("profiles") == ["three-brokers"]
    assert "profiles" not in services["kafka"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"], "KRaft"
    published = {(n, p.get("target")): p.get("published") for n, s in services.items() for p in s.get("ports") or []}
    for service, port in (("gateway", 8080), ("reporter", 8081), ("autoscaler", 9100),
                          ("prometheus", 9090), ("grafana", 3000)):
        assert published.get((service, port)) == str(port), f"{service} publishes {port}"
    commands = {n: s.get("command") for n, s in services.items()}
    assert commands["migrate"] == ["migrate"]
    assert commands["topics"] == ["topics"]
    assert commands["gateway"] == ["gateway"] and commands["reporter"] == ["reporter"]
    assert commands["autoscaler"] == ["autoscale"]
    assert commands["traffic"][0] == "publish" and "--gateway-url" in commands["traffic"]
    assert commands["traffic"][commands["traffic"].index("--gateway-url") + 1] == "http://gateway:8080"
    assert any(v["type"] == "volume" and v["target"] == "/var/lib/postgresql/data"
               for v in services["postgres"].get("volumes", [])), "PostgreSQL keeps its data in a volume"


def test_compose_start_order(compose):
    services = compose["services"]
    one_shots = {"migrate", "topics"}
    for name, s in services.items():
        for dep, spec in (s.get("depends_on") or {}).items():
            cond = spec["condition"]
            if dep in one_shots:
                assert cond == "service_completed_successfully", f"{name} waits for {dep} to finish"
            if cond == "service_healthy":
                hc = services[dep].get("healthcheck") or {}
                assert hc.get("test") and not hc.get("disable"), f"{name} waits for {dep} healthy: it needs a healthcheck"
    deps = lambda n: set((services[n].get("depends_on") or {}))
    assert "postgres" in deps("migrate") and "kafka" in deps("topics")
    assert {"migrate"} <= deps("reporter") and {"topics"} <= deps("gateway")
    assert {"migrate", "topics"} <= deps("autoscaler")
    assert services["traffic"]["depends_on"]["gateway"]["condition"] == "service_healthy"
    for name in one_shots:
        assert services[name].get("restart") in (None, "no")


def test_compose_autoscaler_matches_the_chart_and_the_contract(compose, rendered):
    env = compose["services"]["autoscaler"]["environment"]
    assert int(env["AUTOSCALER_LAG_THRESHOLD"]) == AUTOSCALER_DEFAULTS["lagThreshold"]
    assert int(env["AUTOSCALER_ACTIVATION_LAG_THRESHOLD"]) == AUTOSCALER_DEFAULTS["activationLagThreshold"]
    assert int(env["AUTOSCALER_MIN_REPLICAS"]) == AUTOSCALER_DEFAULTS["minReplicaCount"]
    assert int(env["AUTOSCALER_POLLING_INTERVAL"]) == AUTOSCALER_DEFAULTS["pollingInterval"]
    assert int(env["AUTOSCALER_SCALE_DOWN_STABILIZATION"]) == AUTOSCALER_DEFAULTS["scaleDownStabilization"]
    assert env["AUTOSCALER_PORT"] == "9100"
    assert env.get("AUTOSCALER_MAX_REPLICAS") in (None, "", str(DEFAULT_PARTITIONS))
    so = by_kind(rendered("default"), "ScaledObject")[0]["spec"]
    assert so["triggers"][0]["metadata"]["lagThreshold"] == env["AUTOSCALER_LAG_THRESHOLD"]
    assert so["pollingInterval"] == int(env["AUTOSCALER_POLLING_INTERVAL"])
    # Prometheus reads the collectors' targets the autoscaler writes, through a shared volume
    target_file = env["AUTOSCALER_SCRAPE_TARGETS_FILE"]
    mounts = {v["target"]: v.get("source") for v in compose["services"]["autoscaler"]["volumes"]}
    mount = next(t for t in mounts if target_file.startswith(t + "/"))
    prom_mounts = {v.get("source"): v["target"] for v in compose["services"]["prometheus"]["volumes"]}
    assert mounts[mount] in prom_mounts, "Prometheus does not mount the autoscaler's scrape-targets volume"


def test_compose_environment_names_are_settings_the_program_reads(compose):
    """A misspelt variable is silently ignored by the program: every name must be one it reads."""
    text = "\n".join(open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True))
    known = set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', text)) | set(re.findall(r"env: ([A-Z][A-Z0-9_]{3,})", text))
    known |= {f"GATEWAY_SECRET_{s.upper()}" for s in SOURCES} | AUTOSCALER_SETTINGS | {"HEALTH_PORT"}
    for name, s in compose["services"].items():
        if not s.get("image", "").startswith("eventplatform:"):
            continue
        unknown = sorted(set(s.get("environment") or {}) - known)
        assert not unknown, f"compose service {name} sets variables the program never reads: {unknown}"


def test_chart_environment_names_are_settings_the_program_reads(rendered):
    text = "\n".join(open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True))
    known = set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', text)) | set(re.findall(r"env: ([A-Z][A-Z0-9_]{3,})", text))
    for name in ("default", "production"):
        for where, spec in pod_specs(rendered(name)):
            for c in spec["containers"]:
                unknown = sorted({e["name"] for e in c.get("env", [])} - known)
                assert not unknown, f"{where}: variables the program never reads: {unknown}"


def test_compose_prometheus_and_grafana_use_the_project_files(compose):
    prom = compose["services"]["prometheus"]
    mounts = {os.path.normpath(v["source"]): v["target"] for v in prom["volumes"] if v["type"] == "bind"}
    assert mounts.get(os.path.join(DASHBOARDS, "alerts.yaml")) == "/etc/prometheus/rules/alerts.yaml", \
        "Prometheus must load THE rule file, dashboards/alerts.yaml"
    config_path = next(s for s, t in mounts.items() if t == "/etc/prometheus/prometheus.yml")
    config = yaml.safe_load(open(config_path))
    assert "/etc/prometheus/rules/*.yaml" in config["rule_files"]
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    targets = lambda j: {t for sc in jobs[j].get("static_configs", []) for t in sc["targets"]}
    assert "gateway:8080" in targets("gateway")
    assert "reporter:8081" in targets("reporter")
    assert "autoscaler:9100" in targets("autoscaler")
    assert "postgres-exporter:9187" in targets("postgres")
    assert jobs["collector"]["file_sd_configs"], "collectors are found through the autoscaler's file_sd file"
    grafana = compose["services"]["grafana"]
    gm = {os.path.normpath(v["source"]): v["target"] for v in grafana["volumes"] if v["type"] == "bind"}
    for kind in ("datasources", "dashboards"):
        assert gm.get(os.path.join(DASHBOARDS, "provisioning", kind)) == f"/etc/grafana/provisioning/{kind}"
    assert gm.get(DASHBOARDS) == "/var/lib/grafana/dashboards"
    provider = os.path.join(DASHBOARDS, "provisioning", "dashboards", "eventplatform.yaml")
    if os.path.exists(provider):
        paths = {p["options"]["path"] for p in yaml.safe_load(open(provider))["providers"]}
        assert "/var/lib/grafana/dashboards" in paths
    datasource = os.path.join(DASHBOARDS, "provisioning", "datasources", "prometheus.yaml")
    if os.path.exists(datasource):
        urls = {d.get("url") for d in yaml.safe_load(open(datasource))["datasources"]}
        assert any("prometheus:9090" in (u or "") or "$" in (u or "") for u in urls), \
            f"Grafana's datasource {urls} does not reach the compose Prometheus (http://prometheus:9090)"


# --- the image ------------------------------------------------------------------------------------

def test_dockerfile_builds_one_release_binary_into_a_current_non_root_runtime(rendered):
    text = open(os.path.join(ROOT, "Dockerfile")).read()
    lines = [l.strip() for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.strip().startswith("#")]
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", "\n".join(lines), re.M))
    froms = [l.split()[1] for l in lines if l.startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage: a builder and a runtime stage"
    builder = froms[0].replace("${SWIFT_IMAGE}", args.get("SWIFT_IMAGE", ""))
    runtime = froms[-1].replace("${RUNTIME_IMAGE}", args.get("RUNTIME_IMAGE", ""))
    assert re.match(r"swift:6\.\d", builder), builder
    # librdkafka >= 2.1: Debian bookworm's 2.0.2 (and older releases) cannot talk to current brokers
    assert not re.search(r"bookworm|bullseye|buster|jammy|focal", builder + runtime), (builder, runtime)
    assert re.match(r"(ubuntu:2[4-9]|debian:(trixie|forky))", runtime), runtime
    assert any("swift build -c release --product eventplatform" in l for l in lines)
    installs = " ".join(l for l in lines if "apt-get install" in l)
    for package in ("librdkafka1", "libpq5"):
        assert package in installs, f"the runtime installs {package}"
    user = [l.split()[1] for l in lines if l.startswith("USER ")][-1]
    uid = int(user.split(":")[0])
    assert uid != 0
    for where, spec in pod_specs(rendered("default")):
        assert spec["securityContext"]["runAsUser"] == uid, f"{where} runs as the image's user"
    assert any(l.startswith("HEALTHCHECK ") and "/health/live" in l for l in lines)
    assert 'ENTRYPOINT ["eventplatform"]' in lines
    assert any(l.startswith("CMD ") for l in lines), "the subcommand is the CMD"
    assert "org.opencontainers.image.title" in text and "org.opencontainers.image.version" in text
    ignored = open(os.path.join(ROOT, ".dockerignore")).read().split()
    assert ".build*" in ignored and ".local" in ignored and ".git" in ignored
