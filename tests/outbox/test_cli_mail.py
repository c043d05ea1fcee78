"""``giaoban outbox status`` and ``giaoban bench mail`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from web.cli import main


def test_bench_mail_refuses_bad_input_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["bench", "mail", "--recipients", "0", "--json", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err == "giaoban: --recipients must be between 1 and 500\n"
    assert main(["bench", "mail", "--delay-ms", "-1", "--json", str(tmp_path / "x.json")]) == 2


@pytest.mark.slow
def test_bench_mail_measures_all_three_ways_and_writes_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "figures" / "mail.json"
    assert main(["bench", "mail", "--recipients", "3", "--delay-ms", "5", "--runs", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [m["mode"] for m in report["modes"]] == ["pool", "one_connection", "per_message"]
    assert [m["smtp_connections_per_run"] for m in report["modes"]] == [[3], [1], [3]]
    assert all(m["accepted_s"] > 0 and m["messages_per_s"] > 0 for m in report["modes"])
    assert report["target"]["met"] is None  # the target is stated for 11 sites at 50 ms
    assert "written to" in capsys.readouterr().out


def test_outbox_status(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIAOBAN_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    assert main(["outbox", "status"]) == 0
    assert "pending: 0  delivered: 0  failed: 0  dead: 0" in capsys.readouterr().out
