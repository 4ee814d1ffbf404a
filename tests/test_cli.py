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
