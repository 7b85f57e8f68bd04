"""``lantai collect``: a department, its clerk, a task, a submission with its list processed
here, the report, acceptance with 档号, the 移交清册 and statistics; bad input named by row."""

from __future__ import annotations

import json
from pathlib import Path

from tests.collection.docs import pdf_file, transfer_list
from tests.portal.conftest import LantaiRunner, add_user


def test_collect_commands(runner: LantaiRunner, tmp_path: Path) -> None:
    add_user(runner.app, "li", "clerk-password-1", "clerk", email="li@example.org")
    assert runner.invoke(["collect", "department", "BGS", "办公室", "--alias", "校办"]).exit_code == 0
    assert runner.invoke(["collect", "clerk", "li", "校办"]).exit_code == 0
    assert runner.invoke(["collect", "schedule", "load", "school"]).exit_code == 0
    made = runner.invoke(["collect", "task", "--department", "校办", "--title", "运动会", "--due", "2099-06-30",
                          "--category", "照片", "--retention", "永久"])
    task_id = made.output.split()[-1]
    pdf = pdf_file(tmp_path / "a.pdf", ["运动会 照片 说明", "第二页"])
    bad = transfer_list(tmp_path / "bad.csv", [{"序号": 1, "文件": "a.pdf", "题名": "运动会", "页数": 2,
                                               "保管期限": "一百年"}])
    refused = runner.invoke(["collect", "submit", task_id, str(pdf), "--list", str(bad), "--as", "li", "--inline"])
    assert refused.exit_code == 2 and "清册第 2 行" in refused.output and "list row 2" in refused.output
    good = transfer_list(tmp_path / "good.csv", [{"序号": 1, "文件": "a.pdf", "题名": "运动会照片说明", "页数": 2,
                                                 "日期": "2024-05-01", "责任者": "办公室", "保管期限": "永久"},
                                                {"序号": 2, "文件": "b.pdf", "题名": "未带来的文件", "页数": 1}])
    submitted = runner.invoke(["collect", "submit", task_id, str(pdf), "--list", str(good), "--as", "li", "--inline"])
    assert submitted.exit_code == 0, submitted.output
    assert "b.pdf" in submitted.output  # listed, not in the batch
    transfer_id = submitted.output.split()[1].rstrip(":")
    report = json.loads(runner.invoke(["collect", "report", transfer_id, "--json"]).output)
    missing = report["items"][1]["checks"]
    assert [(c["check"], c["result"]) for c in missing] == [("received", "failed")]
    assert any(c["check"] == "count" and c["result"] == "failed" for c in report["checks"])
    accepted = runner.invoke(["collect", "accept", transfer_id, "--fonds", "J001"])
    assert "J001-ZP·2024-Y-BGS-0001" in accepted.output, accepted.output
    again = runner.invoke(["collect", "accept", transfer_id])
    assert again.exit_code == 2 and "已接收" in again.output
    out = tmp_path / "清册.xlsx"
    assert runner.invoke(["collect", "list", transfer_id, "-o", str(out)]).exit_code == 0 and out.exists()
    stats = json.loads(runner.invoke(["collect", "stats", "--year", "2099"]).output)
    assert stats["holdings"]["category"] == [["ZP", 1]]


def test_collect_schedule_lines(runner: LantaiRunner) -> None:
    assert runner.invoke(["collect", "department", "BGS", "办公室"]).exit_code == 0
    added = runner.invoke(["collect", "schedule", "add", "--department", "办公室", "--name", "校史资料",
                           "--keywords", "校史", "--category", "文书", "--retention", "永久"])
    assert added.exit_code == 0, added.output
    line_id = int(added.output.split()[1])
    bad = runner.invoke(["collect", "schedule", "set", str(line_id), "--retention", "一百年", "--due-month", "13"])
    assert bad.exit_code == 2 and "一百年" in bad.output and "截止月" in bad.output and "Due month" in bad.output
    changed = runner.invoke(["collect", "schedule", "set", str(line_id), "--retention", "D30"])
    assert changed.exit_code == 0, changed.output
    lines = json.loads(runner.invoke(["collect", "schedule", "lines", "--json"]).output)
    assert [(r["name"], r["category_code"], r["retention"], r["due_month"]) for r in lines] == [
        ("校史资料", "WS", "D30", 3)]
    assert lines[0]["department_id"] is not None  # kept: options not given keep their value
    assert runner.invoke(["collect", "schedule", "delete", str(lines[0]["id"])]).exit_code == 0
    assert json.loads(runner.invoke(["collect", "schedule", "lines", "--json"]).output) == []
