"""The Binder setup (.binder/): repo2docker builds the environment, then postBuild installs the course.

repo2docker builds ``environment.yml`` before the repository is copied into the image and never
installs the repository itself (jupyterhub/repo2docker#1265), so a local ``-e .`` pip line fails
there; ``.binder/postBuild`` installs lambda_lab instead, from the repository's root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

BINDER = Path(__file__).resolve().parent.parent / ".binder"


def _environment() -> dict:
    return yaml.safe_load((BINDER / "environment.yml").read_text())


def _pip_lines(dependencies: list) -> list[str]:
    return [line for item in dependencies if isinstance(item, dict) for line in item.get("pip", [])]


def test_environment_installs_nothing_from_the_repository():
    dependencies = _environment()["dependencies"]
    local = [line for line in _pip_lines(dependencies)
             if re.match(r"^(-e|--editable)\b", line.strip()) or re.match(r"^\.(\[.*\])?$", line.strip())
             or line.strip().startswith(("./", "file:"))]
    assert local == [], f"repo2docker cannot install the repository from environment.yml: {local}"


def test_environment_pins_python_and_uses_conda_forge():
    environment = _environment()
    assert environment["channels"] == ["conda-forge"]
    pythons = [d for d in environment["dependencies"] if isinstance(d, str) and re.match(r"^python\b", d)]
    assert len(pythons) == 1 and re.fullmatch(r"python\s*={1,2}\s*3\.\d+(\.\d+)?", pythons[0]), pythons
    assert "pip" in environment["dependencies"]


def test_post_build_is_an_executable_script_that_installs_the_course():
    post_build = BINDER / "postBuild"
    text = post_build.read_text()
    assert os.access(post_build, os.X_OK), "repo2docker runs postBuild only when it is executable (chmod +x)"
    assert text.startswith("#!"), "postBuild needs a shebang line"
    assert "set -euo pipefail" in text, "a failing step must fail the build"
    assert re.search(r"pip install\b[^\n]*-e\s+[\"']?\.\[lab\][\"']?", text), "postBuild must install .[lab]"


def test_post_build_switches_off_the_news_prompt_as_make_install_does():
    text = (BINDER / "postBuild").read_text()
    makefile = (BINDER.parent / "Makefile").read_text()
    for setting in ('"@jupyterlab/apputils-extension:notification"', '"fetchNews": "false"'):
        assert setting in makefile, f"the Makefile no longer writes {setting}: update postBuild to match"
        assert setting in text, f"postBuild does not write {setting}, as the Makefile does"
    assert "share/jupyter/lab/settings" in text and "overrides.json" in text
