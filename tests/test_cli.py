"""The `lambda-lab` command."""

from __future__ import annotations

from lambda_lab import cli


def test_doctor_runs_a_function_and_reports_each_check(capsys, monkeypatch):
    status = cli.doctor()
    out = capsys.readouterr().out
    assert "local Lambda service: a test function ran" in out
    assert status == (1 if "[FAIL]" in out else 0)


def test_doctor_says_how_to_fix_a_missing_package(capsys, monkeypatch):
    monkeypatch.setattr(cli, "CHECKS", [("ghost", cli._check_package("no-such-package-xyz", "testing"))])
    assert cli.doctor() == 1
    out = capsys.readouterr().out
    assert "[FAIL] no-such-package-xyz is missing (testing): run `make install`" in out


def test_exercises_build_check_passes_on_the_repository_and_fails_on_drift(capsys, tmp_path):
    import shutil
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    assert cli.main(["exercises", "build", "--check", "--solutions", str(root / "solutions"),
                     "--exercises", str(root / "exercises")]) == 0
    stale = tmp_path / "exercises"
    shutil.copytree(root / "exercises", stale)
    (stale / "ex01_hello.ipynb").write_text("{}")
    assert cli.main(["exercises", "build", "--check", "--solutions", str(root / "solutions"),
                     "--exercises", str(stale)]) == 1
    assert "out of date: ex01_hello.ipynb" in capsys.readouterr().err
    assert cli.main(["exercises", "build", "--solutions", str(root / "solutions"), "--exercises", str(stale)]) == 0
    assert (stale / "ex01_hello.ipynb").read_text() == (root / "exercises" / "ex01_hello.ipynb").read_text()


def test_workspace_copies_the_course_and_never_overwrites_work(capsys, tmp_path):
    target = tmp_path / "mine"
    assert cli.main(["workspace", str(target)]) == 0
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.ipynb"))
    assert "notebooks/02_first_function.ipynb" in copied and "exercises/ex01_hello.ipynb" in copied
    assert not any(p.startswith("solutions/") for p in copied)
    (target / "exercises" / "ex01_hello.ipynb").write_text("my answer")
    assert cli.main(["workspace", str(target)]) == 0
    assert (target / "exercises" / "ex01_hello.ipynb").read_text() == "my answer"
    assert f"kept {len(copied)} you already had" in capsys.readouterr().out
