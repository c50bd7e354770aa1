"""The deployment files agree with the code: docker is not on this machine, so the compose file,
the Dockerfile and the proxy's configuration are read and checked against the settings, the
package layout and the app's routes. (The topology itself runs as processes in
tests/test_replicas.py and tests/test_metrics.py.)"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit

import pytest
import yaml

from api.app import create_app
from bot.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
REPLICAS = ("app-a", "app-b")
# Variables the replicas get that uvicorn reads, not policybot's settings.
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}
# Read by the Settings of the database work of issue 12, which is merged on its own; once
# Settings has it, test_replica_environment fails until it is taken out of here.
SECRETS = ("POLICYBOT_ADMIN_TOKEN", "WECHAT_TOKEN", "WECHAT_AES_KEY")


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines
            if line and not line.startswith("#")]


def settings_variables() -> set[str]:
    return {field.validation_alias for field in Settings.model_fields.values()}


def serve_port(service: dict) -> int:
    command = service["command"]
    assert command[:2] == ["policybot", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    return int(command[command.index("--port") + 1])


def nginx_locations() -> dict[str, str]:
    """The proxy's location blocks: path to body."""
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    return {path: body for path, body in
            re.findall(r"location\s+(?:=\s+)?(\S+)\s*\{([^}]*)\}", text)}


def test_the_topology_has_its_services(services: dict[str, dict]):
    assert set(services) == {"ingest", *REPLICAS, "chroma", "redis", "postgres", "proxy"}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            if condition["condition"] == "service_healthy":
                # The replicas' check is the image's HEALTHCHECK.
                assert "healthcheck" in services[dependency] or dependency in REPLICAS
    # The index is built once, before the replicas, which then do not build it themselves.
    for name in REPLICAS:
        assert services[name]["depends_on"]["ingest"]["condition"] == \
            "service_completed_successfully"
        assert "--no-ingest" in services[name]["command"]
    assert services["ingest"]["command"] == ["policybot", "ingest"]


def test_replica_environment(services: dict[str, dict]):
    known = settings_variables()
    for name in ("ingest", *REPLICAS):
        environment = services[name]["environment"]
        assert set(environment) - known - UVICORN_VARIABLES == set()
        redis_url = urlsplit(environment["REDIS_URL"])
        assert (redis_url.scheme, redis_url.hostname) == ("redis", "redis")
        assert environment["CHROMA_HOST"] == "chroma"
        assert services["chroma"]["expose"] == [environment["CHROMA_PORT"]]
        database = urlsplit(environment["DATABASE_URL"])
        postgres = services["postgres"]["environment"]
        assert (database.scheme, database.hostname, database.path) == (
            "postgresql+psycopg", "postgres", f"/{postgres['POSTGRES_DB']}")
        assert database.username == postgres["POSTGRES_USER"]
        # Secrets come from deploy/.env, never from the file.
        assert "${POSTGRES_PASSWORD" in environment["DATABASE_URL"]
        assert all(environment[key].startswith("${") for key in SECRETS)


def test_the_proxy_reaches_both_replicas(services: dict[str, dict]):
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.findall(r"^\s*server\s+([\w-]+):(\d+)", text, re.MULTILINE)
    assert upstream == [(name, str(serve_port(services[name]))) for name in REPLICAS]
    for name in REPLICAS:
        assert services[name]["expose"] == [str(serve_port(services[name]))]
        assert "ports" not in services[name]  # reachable through the proxy only
    assert "./nginx.conf:" in services["proxy"]["volumes"][0]


def test_streams_pass_the_proxy_unbuffered():
    paths = create_app(Settings(POLICYBOT_HOME=ROOT / "var")).openapi()["paths"]
    # The routes that may answer with Server-Sent Events, as the API documents them.
    event_streams = {path for path, methods in paths.items() for operation in methods.values()
                     if any("text/event-stream" in response.get("content", {})
                            for response in operation["responses"].values())}
    assert "/api/v1/ask/stream" in event_streams
    unbuffered = {path for path, body in nginx_locations().items()
                  if re.search(r"proxy_buffering\s+off;", body)}
    assert unbuffered == event_streams
    assert "deny all;" in nginx_locations()["/metrics"]


def test_dockerfile(dockerfile: list[tuple[str, str]], services: dict[str, dict]):
    final = dockerfile[max(i for i, (op, _) in enumerate(dockerfile) if op == "FROM"):]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").lower()
    assert "cuda" not in text and "nvidia" not in text
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (torch,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("torch")]
    runs = [args for op, args in dockerfile if op == "RUN"]
    assert f"pip install {torch} --index-url https://download.pytorch.org/whl/cpu" in runs
    environment = " ".join(args for op, args in final if op == "ENV")
    assert "HF_HUB_OFFLINE=1" in environment
    # Every package the project installs is copied in, and .dockerignore lets it through.
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]
                ["include"]}
    copied = [args.split()[:-1] for op, args in dockerfile if op == "COPY" and "--from" not in args]
    assert packages <= {source for sources in copied for source in sources}
    assert all((ROOT / source).exists() for sources in copied for source in sources)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {f"!{p}/" for p in packages} | {"!pyproject.toml", "!README.md"} <= set(ignore)
    (healthcheck,) = [args for op, args in final if op == "HEALTHCHECK"]
    (expose,) = [args for op, args in final if op == "EXPOSE"]
    assert f"127.0.0.1:{expose}/healthz" in healthcheck
    assert {serve_port(services[name]) for name in REPLICAS} == {int(expose)}


@pytest.mark.parametrize("path", ["deploy/Dockerfile", "deploy/compose.yaml",
                                  "deploy/nginx.conf", ".dockerignore"])
def test_readme_names_the_deploy_files(path: str):
    assert path in (ROOT / "README.md").read_text(encoding="utf-8")

