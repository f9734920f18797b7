"""The GitHub Actions workflows: valid against GitHub's workflow schema (offline), and doing what the README says."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def validate(*paths: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with the schema it ships (SchemaStore's github-workflow), so no network is needed."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True, timeout=120)


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def steps(job: dict) -> list[dict]:
    return job["steps"]


def commands(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def actions(job: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(job) if "uses" in s]


def test_workflows_match_the_schema():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"test.yml", "pages.yml"}
    result = validate(*files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("breakage", [
    ("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"),  # a misspelt key
    ("timeout-minutes: 90", "timeout-minutes: ninety"),  # a wrong type
])
def test_schema_check_rejects_a_broken_workflow(tmp_path, breakage):
    """The check is not a formality: the same file with one mistake fails it."""
    text = (WORKFLOWS / "test.yml").read_text(encoding="utf-8")
    assert breakage[0] in text
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace(breakage[0], breakage[1], 1), encoding="utf-8")
    assert validate(broken).returncode != 0


def test_pull_requests_run_the_readme_test_command_on_debian():
    workflow = load("test.yml")
    assert "pull_request" in workflow["on"]
    job = workflow["jobs"]["test"]
    assert job["container"].startswith("debian:bookworm")  # Python 3.11, as the README promises
    assert job["env"]["MLBOOK_PROFILE"] == "quick"
    assert "make test" in commands(job)
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci_run  # the same command CI runs
    assert workflow["permissions"] == {"contents": "read"}


def test_main_publishes_the_built_site_to_pages():
    workflow = load("pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    for name in ("build", "build-on-own-runner"):
        assert "make book" in commands(jobs[name])
        upload = [s for s in steps(jobs[name]) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
        assert upload and upload[0]["with"]["path"] == "_build/html"
    branch = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["branch"]
    for name in ("build", "build-on-own-runner"):
        run = commands(jobs[name])
        # launch buttons open .ipynb files on the branch _config.yml names, which this job pushes
        assert "make notebooks" in run and "jupyter-book build . -W --keep-going --all" in run
        assert f"git checkout -q --orphan {branch}" in run and f"git push -q -f origin {branch}" in run
        assert jobs[name]["permissions"] == {"contents": "write"}
    assert jobs["build"]["env"]["MLBOOK_PROFILE"].endswith("'quick' }}")  # a push builds the quick profile
    assert "inputs.profile" in jobs["build-on-own-runner"]["env"]["MLBOOK_PROFILE"]  # full, by hand, on a GPU
    deploy = jobs["deploy"]
    assert set(deploy["needs"]) == {"build", "build-on-own-runner"}
    assert actions(deploy) == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert workflow["permissions"] == {"contents": "read"}  # only the deploy job may write to Pages
