"""``lantai lifecycle`` end to end: due list, an opening review, an appraisal and a destruction, each
step audited with the person it names (``--as``) or the operator (``cli``); bad input exits with a
message in both languages and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from archive.catalog.models import OriginalFile, Record
from indexer.context import Lantai
from tests.lifecycle.conftest import World


def lantai_cli(lantai: Lantai, *args: str) -> Result:
    from cli.main import main

    return CliRunner().invoke(main, list(args), obj=lantai, catch_exceptions=False)


def test_review_and_destruction_from_the_command_line(world: World, tmp_path: Path) -> None:
    lantai, ids, _clock = world  # the command line asks the system clock: today is past 2025
    due = lantai_cli(lantai, "lifecycle", "due", "opening", "--on", "2025-03-01", "--by", "year", "--json")
    assert due.exit_code == 0 and json.loads(due.output) == {str(y): 3 for y in range(1990, 2000)}
    listed = lantai_cli(lantai, "lifecycle", "due", "disposal", "--on", "2025-03-01", "--year", "2014", "--json")
    assert [r["id"] for r in json.loads(listed.output)] == [ids[(2014, "internal-D10")]]
    assert json.loads(listed.output)[0]["disposal_due_year"] == 2025
    searched = lantai_cli(lantai, "lifecycle", "due", "opening", "--on", "2025-03-01", "--query", "1990", "--json")
    assert {r["id"] for r in json.loads(searched.output)} == {ids[(1990, k)] for k in
                                                              ("internal-Y", "internal-D30", "internal-D10")}

    record = ids[(1991, "internal-D30")]
    made = lantai_cli(lantai, "lifecycle", "propose-opening", str(record), "--decision", "开放",
                      "--reason", "无敏感内容", "--as", "archivist")
    assert made.exit_code == 0, made.output
    proposals = json.loads(lantai_cli(lantai, "lifecycle", "proposals", "--json").output)
    proposal = str(proposals[0]["id"])
    own = lantai_cli(lantai, "lifecycle", "sign-opening", proposal, "--as", "archivist")
    assert own.exit_code != 0 and "会签" in own.output and "clerk" in own.output
    assert lantai_cli(lantai, "lifecycle", "sign-opening", proposal, "--as", "bgs").exit_code == 0
    twice = lantai_cli(lantai, "lifecycle", "sign-opening", proposal, "--as", "bgs")
    assert twice.exit_code == 2 and "不能重复审批" in twice.output and "already signed" in twice.output
    assert lantai_cli(lantai, "lifecycle", "sign-opening", proposal, "--as", "admin").exit_code == 0
    with lantai.catalog.session() as session:
        opened = session.get(Record, record)
        assert opened is not None and opened.access_level == "open"

    doomed = ids[(2012, "internal-D10")]
    permanent = lantai_cli(lantai, "lifecycle", "appraise", str(ids[(2000, "internal-Y")]), "--decision", "destroy",
                           "--reason", "x")
    assert permanent.exit_code == 2 and "永久" in permanent.output and "permanently" in permanent.output
    assert lantai_cli(lantai, "lifecycle", "appraise", str(doomed), "--decision", "destroy", "--reason",
                      "已无保存价值").exit_code == 0
    assert lantai_cli(lantai, "lifecycle", "propose-destruction", str(doomed), "--title", "CLI 批次").exit_code == 0
    batch = str(json.loads(lantai_cli(lantai, "lifecycle", "batches", "--json").output)[0]["id"])
    early = lantai_cli(lantai, "lifecycle", "destroy", batch, "--witness", "李监销")
    assert early.exit_code == 2 and "未经批准" in early.output
    assert lantai_cli(lantai, "lifecycle", "approve-destruction", batch, "--as", "admin").exit_code == 0
    again = lantai_cli(lantai, "lifecycle", "approve-destruction", batch, "--as", "admin")
    assert again.exit_code == 2 and "不能重复批准" in again.output
    assert lantai_cli(lantai, "lifecycle", "approve-destruction", batch, "--as", "admin2").exit_code == 0
    assert lantai_cli(lantai, "lifecycle", "hold", str(doomed), "--reason", "诉讼").exit_code == 0
    in_force = json.loads(lantai_cli(lantai, "lifecycle", "holds", "--json").output)
    assert [(h["record_id"], h["reason"], h["set_by"]) for h in in_force] == [(doomed, "诉讼", "cli")]
    held = lantai_cli(lantai, "lifecycle", "destroy", batch, "--witness", "李监销")
    assert held.exit_code == 2 and "法律冻结" in held.output and "legal hold" in held.output
    assert lantai_cli(lantai, "lifecycle", "hold", str(doomed), "--reason", "结案", "--release").exit_code == 0
    with lantai.catalog.session() as session:
        original = session.scalar(select(OriginalFile).where(OriginalFile.record_id == doomed))
        assert original is not None
        path = lantai.storage.originals / original.storage_key
    assert path.exists()
    done = lantai_cli(lantai, "lifecycle", "destroy", batch, "--witness", "李监销")
    assert done.exit_code == 0 and "destroyed 1 records, 1 originals removed" in done.output
    assert not path.exists()
    stones = json.loads(lantai_cli(lantai, "lifecycle", "tombstones", "--json").output)
    assert [s["record_id"] for s in stones] == [doomed] and stones[0]["witness"] == "李监销"
    out = tmp_path / "register.xlsx"
    assert lantai_cli(lantai, "lifecycle", "register", batch, "-o", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1][2] == "2012年internal-D10档案" and rows[-1][7] == "admin、admin2" and rows[-1][8] == "李监销"
    pdf = tmp_path / "register.pdf"
    assert lantai_cli(lantai, "lifecycle", "register", batch, "--format", "pdf", "-o", str(pdf)).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    with lantai.catalog.session() as session:
        actors = {(e.action, e.actor_name) for e in session.scalars(select(AuditEvent))}
    assert {("opening_propose", "archivist"), ("opening_approve", "bgs"), ("opening_approve", "admin"),
            ("appraisal", "cli"), ("destruction_propose", "cli"), ("destruction_approve", "admin2"),
            ("legal_hold_set", "cli"), ("destruction", "cli")} <= actors
