"""Static checks of the full deployment: docker-compose.yaml, .env.example and docker/.

There is no Docker daemon where these tests run, so nothing here starts a container. What is
checked instead:

- docker-compose.yaml is valid YAML and validates against
  ``tests/deploy/compose_spec_subset.schema.json``. That schema is a hand-written, reduced
  Draft-7 copy of the parts of the Compose Specification this file uses (services, volumes,
  networks, healthcheck, long-form depends_on, profiles, environment as map or list, ``x-``
  extensions). It is NOT the official compose-spec schema, which no installed package ships;
  ``docker compose config`` against the real schema is still worth running where Docker is.
- Project rules the schema cannot express: healthchecks, dependency graph, secrets only from
  the environment, the shared ``x-airflow-common`` anchor, mounts, DuckDB's single writer.
- docker/Dockerfile, docker/airflow-init.sh and the image check agree with uv.lock.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
GITIGNORE = REPO / ".gitignore"
DOCKER_DIR = REPO / "docker"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
INIT_SCRIPT = DOCKER_DIR / "airflow-init.sh"
SCHEMA_FILE = Path(__file__).with_name("compose_spec_subset.schema.json")

ONE_SHOT_SERVICES = {"airflow-init", "airflow-cli"}
AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
    "airflow-cli",
    "flower",
}
REQUIRED_SECRETS = {
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_ADMIN_USERNAME",
    "AIRFLOW_ADMIN_PASSWORD",
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$|USERNAME|_AUTH$")
# ${NAME}, ${NAME:-default}, ${NAME:?message} ... but not the escaped $${NAME}.
INTERPOLATION = re.compile(
    r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
)
REQUIRED_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}")
FERNET_LIKE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=")
URL_USERINFO = re.compile(r"[a-z0-9+.-]+://(?P<user>[^:/@\s]*):(?P<password>[^@\s]*)@")

REPO_MOUNTS = {  # host directory in the repository -> path inside the containers
    "dags": "/opt/airflow/dags",
    "dbt_project": "/opt/evalwh/dbt_project",
    "expectations": "/opt/evalwh/expectations",
    "raw": "/opt/evalwh/raw",
}
RUNTIME_MOUNTS = {"logs": "/opt/airflow/logs", "warehouse": "/opt/evalwh/warehouse"}


# ---------------------------------------------------------------------------- fixtures ---


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def common(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["x-airflow-common"]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    """Active KEY=VALUE lines of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def lock_versions() -> dict[str, str]:
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def _interpolations(text: str) -> list[re.Match[str]]:
    """Interpolations compose performs: comment lines are not interpolated."""
    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return list(INTERPOLATION.finditer(code))


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _resolve_default(text: str) -> str:
    """Replace ${VAR:-default} / ${VAR-default} with its default, as with an empty .env."""
    return INTERPOLATION.sub(
        lambda m: m["arg"] if m["op"] in (":-", "-") else m.group(0),
        text,
    )


def _bind_mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """container path -> (host path with defaults applied, mode) for short-syntax binds."""
    mounts = {}
    for volume in service.get("volumes", []):
        assert isinstance(volume, str), f"use the short volume syntax: {volume!r}"
        host, container, *mode = _resolve_default(volume).split(":")
        mounts[container] = (host, mode[0] if mode else "rw")
    return mounts


def _container_ports(service: dict[str, Any]) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            ports.add(int(_resolve_default(str(port)).rsplit(":", 1)[-1].split("/")[0]))
    return ports


# ----------------------------------------------------------------- syntax and schema ----


def test_compose_is_valid_yaml(compose: dict[str, Any]) -> None:
    assert isinstance(compose, dict)
    assert compose.get("services"), "no services defined"


def test_compose_spec_subset_schema_is_a_valid_draft7_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    assert "NOT the official" in schema["title"]


def test_compose_validates_against_compose_spec_subset(
    compose: dict[str, Any], schema: dict[str, Any]
) -> None:
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: e.json_path
    )
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    ("path", "bad_value"),
    [
        (("services", "postgres", "depends_on"), {"redis": {"condition": "service_ready"}}),
        (("services", "postgres", "healthcheck"), {"test": ["CMD", "true"], "every": "5s"}),
        (("services", "postgres", "enviroment"), {"A": "b"}),
        (("services", "postgres", "profiles"), "debug"),
        (("volumez",), {}),
    ],
)
def test_compose_spec_subset_rejects_mistakes(
    compose: dict[str, Any], schema: dict[str, Any], path: tuple[str, ...], bad_value: Any
) -> None:
    """The reduced schema is not vacuous: typical mistakes fail validation."""
    broken = json.loads(json.dumps(compose))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad_value
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


# ----------------------------------------------------------------------- services -------


def test_expected_services_exist(services: dict[str, Any]) -> None:
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis"}


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        for key in ("interval", "retries"):
            assert key in check, f"{name} healthcheck has no {key}"


def test_depends_on_targets_exist_and_conditions_fit(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: use the long depends_on form"
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target!r}"
            assert target != name
            condition = spec["condition"]
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{target} has no healthcheck"
            elif condition == "service_completed_successfully":
                assert target in ONE_SHOT_SERVICES, f"{target} is not a one-shot service"
                assert "restart" not in services[target], f"{target} must not restart"
            else:
                pytest.fail(f"{name} -> {target}: use service_healthy/completed, not {condition}")
            assert not services[target].get("profiles"), (
                f"{name} depends on {target}, which only starts under a profile"
            )


def test_airflow_services_wait_for_init_and_backends(services: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES - ONE_SHOT_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"] == {
        "condition": "service_healthy"
    }, "the worker needs the execution API of the api-server"


def test_airflow_services_share_the_common_anchor(compose_text: str) -> None:
    """Each Airflow service merges the very node anchored as &airflow-common."""
    root = yaml.compose(compose_text)
    top = {key.value: value for key, value in root.value}
    anchor = top["x-airflow-common"]
    service_nodes = {key.value: value for key, value in top["services"].value}
    for name in AIRFLOW_SERVICES:
        merges = [value for key, value in service_nodes[name].value if key.value == "<<"]
        assert merges and merges[0] is anchor, f"{name} does not merge <<: *airflow-common"
    for name in ("postgres", "redis"):
        merges = [value for key, value in service_nodes[name].value if key.value == "<<"]
        assert not merges, f"{name} is not an Airflow service"


def test_airflow_services_keep_the_common_environment(
    services: dict[str, Any], common: dict[str, Any]
) -> None:
    """A service overriding `environment` must merge *airflow-common-env, not replace it."""
    common_env = _env(common)
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        missing = set(common_env) - set(env)
        assert not missing, f"{name} lost common variables: {sorted(missing)}"
        assert services[name]["image"] == common["image"], name


def test_commands_match_the_official_layout(services: dict[str, Any]) -> None:
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    assert services["airflow-worker"]["command"].startswith("celery worker")
    assert services["flower"]["command"] == "celery flower"
    assert services["airflow-apiserver"]["healthcheck"]["test"] == [
        "CMD",
        "curl",
        "--fail",
        "http://localhost:8080/api/v2/version",
    ]


def test_api_server_port_is_published(services: dict[str, Any]) -> None:
    assert 8080 in _container_ports(services["airflow-apiserver"])


def test_optional_services_sit_behind_profiles(services: dict[str, Any]) -> None:
    assert services["flower"]["profiles"] == ["flower"]
    assert services["airflow-cli"]["profiles"] == ["debug"]
    for name, service in services.items():
        if name not in {"flower", "airflow-cli"}:
            assert "profiles" not in service, f"{name} would not start with `up -d`"
    for port in services["flower"]["ports"]:
        assert str(port).startswith("127.0.0.1:"), "Flower has no login: publish on localhost"


def test_init_migrates_and_creates_the_admin_user(services: dict[str, Any]) -> None:
    init = services["airflow-init"]
    env = _env(init)
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert init["user"] == "0:0"
    assert init["command"] == ["/opt/evalwh/bin/airflow-init.sh"]
    assert "restart" not in init


# ------------------------------------------------------------------ configuration -------


def test_required_airflow_settings(common: dict[str, Any]) -> None:
    env = _env(common)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
    assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_connection_urls_are_built_from_environment(common: dict[str, Any]) -> None:
    env = _env(common)
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
        assert "${POSTGRES_PASSWORD:?" in env[key], key
        assert "@postgres/" in env[key], key
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]


def test_project_paths_match_the_mounts(common: dict[str, Any]) -> None:
    env = _env(common)
    mounts = _bind_mounts(common)
    assert env["EVALWH_PROJECT_DIR"] == "/opt/evalwh"
    assert env["EVALWH_WAREHOUSE_DIR"] == "/opt/evalwh/warehouse" in mounts
    assert env["EVALWH_RAW_DIR"] == "/opt/evalwh/raw" in mounts
    # evalwh.config derives the dbt project and expectations from EVALWH_PROJECT_DIR.
    assert f"{env['EVALWH_PROJECT_DIR']}/dbt_project" in mounts
    assert f"{env['EVALWH_PROJECT_DIR']}/expectations" in mounts


def test_mounted_repository_directories_exist(common: dict[str, Any]) -> None:
    mounts = _bind_mounts(common)
    for directory, container in REPO_MOUNTS.items():
        assert container in mounts, f"{directory}/ is not mounted at {container}"
        host, _mode = mounts[container]
        assert host == f"./{directory}", f"{container} comes from {host}, not ./{directory}"
        assert (REPO / directory).is_dir(), f"{directory}/ does not exist in the repository"
    assert mounts["/opt/airflow/dags"][1] == "ro"
    assert mounts["/opt/evalwh/raw"][1] == "ro", "the landing zone is read-only to Airflow"


def test_runtime_directories_are_git_ignored(common: dict[str, Any]) -> None:
    mounts = _bind_mounts(common)
    ignored = GITIGNORE.read_text(encoding="utf-8").splitlines()
    for directory, container in RUNTIME_MOUNTS.items():
        assert mounts[container] == (f"./{directory}", "rw"), container
        assert f"/{directory}/" in ignored or f"{directory}/" in ignored, directory


def test_single_writer_is_enforced(services: dict[str, Any], common: dict[str, Any]) -> None:
    """DuckDB: one writer per file. One run, one worker, one task at a time, one pool slot."""
    env = _env(common)
    assert env["AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG"] == "1"
    assert env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "evalwh"
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "1"
    workers = [n for n, s in services.items() if "celery worker" in str(s.get("command", ""))]
    assert workers == ["airflow-worker"], f"exactly one Celery worker service, got {workers}"
    worker = services["airflow-worker"]
    command = worker["command"].split()
    assert command[command.index("--queues") + 1] == "evalwh"
    assert command[command.index("--concurrency") + 1] == "1"
    assert worker["deploy"]["replicas"] == 1
    pool = env["EVALWH_AIRFLOW_POOL"]
    assert pool
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    assert re.search(r'airflow pools set "\$\{EVALWH_AIRFLOW_POOL\}" 1 ', script)
    assert f'EVALWH_AIRFLOW_POOL="${{EVALWH_AIRFLOW_POOL:-{pool}}}"' in script


# ------------------------------------------------------------------------ secrets -------


def test_secret_variables_use_the_required_form(compose_text: str) -> None:
    used = {m["name"] for m in _interpolations(compose_text)}
    assert used >= REQUIRED_SECRETS, f"secrets not used: {sorted(REQUIRED_SECRETS - used)}"
    for match in _interpolations(compose_text):
        if SECRET_NAME.search(match["name"]):
            assert match["op"] == ":?" and match["arg"].strip(), (
                f"{match.group(0)}: a secret must use ${{VAR:?message}}, never a default"
            )


def test_every_variable_is_documented_in_env_example(
    compose_text: str, env_example: dict[str, str]
) -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in {m["name"] for m in _interpolations(compose_text)}:
        assert re.search(rf"^#? ?{name}=", text, re.MULTILINE), f"{name} not in .env.example"
    for name in REQUIRED_SECRETS:
        assert name in env_example, f"{name} must be an active line of .env.example"


def test_env_example_holds_no_working_secret(env_example: dict[str, str]) -> None:
    """Placeholders are empty, so `${VAR:?}` keeps compose from starting until filled in."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in REQUIRED_SECRETS:
        assert env_example[name] == "", f"{name} has a value in .env.example"
    assert not FERNET_LIKE.search(text), "a Fernet key in .env.example"
    assert "Fernet.generate_key()" in text, "explain how to generate the Fernet key"
    assert text.count("openssl rand") >= 4, "explain how to generate every secret"


def test_no_literal_secret_in_compose(compose_text: str, services: dict[str, Any]) -> None:
    assert not FERNET_LIKE.search(compose_text), "a Fernet key in docker-compose.yaml"
    for match in URL_USERINFO.finditer(compose_text):
        password = match["password"]
        assert password == "" or REQUIRED_REF.fullmatch(password), (
            f"literal password in URL {match.group(0)!r}"
        )
    for name, service in services.items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key) and not key.startswith("_AIRFLOW_WWW_USER_CREATE"):
                assert REQUIRED_REF.fullmatch(value), f"{name}: {key}={value!r} is not from .env"
    assert not re.search(r"(?i)password\s*[:=]\s*['\"]?airflow\b", compose_text)


def test_dot_env_is_git_ignored() -> None:
    lines = [line.strip() for line in GITIGNORE.read_text(encoding="utf-8").splitlines()]
    assert ".env" in lines or "/.env" in lines
    git = shutil.which("git")
    if git and (REPO / ".git").exists():
        ignored = subprocess.run([git, "check-ignore", "-q", ".env"], cwd=REPO, check=False)
        assert ignored.returncode == 0, "git does not ignore .env"
        shipped = subprocess.run([git, "check-ignore", "-q", ".env.example"], cwd=REPO, check=False)
        assert shipped.returncode == 1, ".env.example must not be ignored"


# ------------------------------------------------------------------------- image --------


def _dockerfile_args() -> dict[str, str]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.MULTILINE))


def test_dockerfile_builds_on_the_locked_airflow(lock_versions: dict[str, str]) -> None:
    args = _dockerfile_args()
    image = re.fullmatch(
        r"apache/airflow:(?:slim-)?(?P<v>[\d.]+)-python(?P<py>3\.\d+)", args["AIRFLOW_IMAGE"]
    )
    assert image, args["AIRFLOW_IMAGE"]
    assert image["v"] == lock_versions["apache-airflow"] == "3.3.2"
    assert image["py"] == "3.11"
    assert args["EXPECTED_AIRFLOW_VERSION"] == lock_versions["apache-airflow"]
    assert args["EXPECTED_DUCKDB_VERSION"] == lock_versions["duckdb"]
    assert re.search(r"^FROM \$\{AIRFLOW_IMAGE\}$", DOCKERFILE.read_text(), re.MULTILINE)


def test_dockerfile_installs_exactly_the_lock() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"uv export (--quiet )?--frozen --no-dev --no-emit-project", text)
    assert re.search(r"--no-deps --require-hashes\s*\\?\s*-r requirements.lock.txt", text)
    assert "--override overrides.txt" in text
    assert "dbt-core-experimental-parser; sys_platform == 'never'" in text
    assert "uv pip install --no-cache --compile-bytecode --no-deps ." in text, "evalwh installed"
    # compiled at build time: the image's site-packages are not the airflow user's to write
    installs = re.findall(r"uv pip install [^\n]*", text)
    assert len(installs) == 3 and all("--compile-bytecode" in i for i in installs), installs
    assert "check_image.py" in text
    for line in (DOCKER_DIR / "requirements-deploy.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[a-z0-9-]+==[\w.]+", line.strip()), line


def test_dockerfile_keeps_data_and_secrets_out_of_the_build_context() -> None:
    rules = (DOCKER_DIR / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [r.strip() for r in rules if r.strip() and not r.startswith("#")]
    assert rules[0] == "*", "allow-list: ignore everything first"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    assert allowed == {"pyproject.toml", "uv.lock", "README.md", "src", "docker"}


def test_init_script_is_valid_bash() -> None:
    assert INIT_SCRIPT.stat().st_mode & 0o111, "airflow-init.sh is not executable"
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not available")
    result = subprocess.run([bash, "-n", str(INIT_SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_init_script_requires_what_compose_passes(services: dict[str, Any]) -> None:
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    required = set(re.findall(r'^: "\$\{(\w+):\?', script, re.MULTILINE))
    env = _env(services["airflow-init"])
    assert required <= set(env), f"not passed by compose: {sorted(required - set(env))}"
    assert {"AIRFLOW__CORE__FERNET_KEY", "_AIRFLOW_WWW_USER_PASSWORD"} <= required


def test_image_check_accepts_only_the_known_incompatibility() -> None:
    spec = importlib.util.spec_from_file_location("check_image", DOCKER_DIR / "check_image.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = (
        "Checked 200 packages in 3ms\nFound 2 incompatibilities\n"
        "The package `dbt-core` requires `dbt-core-experimental-parser>=2.0.0b1,<3`, "
        "but it's not installed\n"
        "The package `flask-appbuilder` requires `sqlalchemy<2.1`, but `2.1.9` is installed\n"
    )
    assert module.unexpected_incompatibilities(output) == [
        "The package `flask-appbuilder` requires `sqlalchemy<2.1`, but `2.1.9` is installed"
    ]
    assert module.unexpected_incompatibilities("Checked 200 packages in 3ms\n") == []


# ------------------------------------------------------------- refusing to start ------


def _interpolate(text: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """Compose's interpolation rules for ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?msg}, ${VAR?msg}
    (comment lines are not interpolated). Returns the text and the error messages compose
    would stop with."""
    errors: list[str] = []

    def one(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"], m["arg"]
        value = env.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            errors.append(f"required variable {name} is missing a value: {arg}")
            return ""
        if op == ":-" and not value:
            return arg
        if op == "-" and value is None:
            return arg
        return value or ""

    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return INTERPOLATION.sub(one, code), errors


def test_compose_refuses_to_start_while_any_secret_is_missing(compose_text: str) -> None:
    """With an empty .env compose stops, naming every secret; with each secret but one set, it
    stops naming that one; with all set, nothing in the file is left empty or defaulted."""
    _, errors = _interpolate(compose_text, {})
    assert {e.split()[2] for e in errors} == REQUIRED_SECRETS
    filled = {name: f"value-of-{name.lower()}" for name in REQUIRED_SECRETS}
    for missing in sorted(REQUIRED_SECRETS):
        _, errors = _interpolate(compose_text, {**filled, missing: ""})
        assert errors and {e.split()[2] for e in errors} == {missing}
    text, errors = _interpolate(compose_text, filled)
    assert errors == []
    resolved = yaml.safe_load(text)
    env = _env(resolved["services"]["airflow-init"])
    assert env["AIRFLOW__CORE__FERNET_KEY"] == filled["AIRFLOW_FERNET_KEY"]
    assert env["_AIRFLOW_WWW_USER_PASSWORD"] == filled["AIRFLOW_ADMIN_PASSWORD"]


def test_init_script_refuses_to_run_without_its_secrets(tmp_path: Path) -> None:
    """A hand-run container without the secrets stops at the first check, before touching
    anything (the script is run for real, with an empty environment)."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not available")
    result = subprocess.run(
        [bash, str(INIT_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "AIRFLOW_UID": "50000"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode != 0
    assert "Fernet key missing" in result.stderr
    assert list(tmp_path.iterdir()) == []
