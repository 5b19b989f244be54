"""Run `agentid review` on a base/head pair of files and read the packet back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main

from ..conftest import TODAY_ARG


@dataclass
class Result:
    code: int
    markdown: str
    packet: dict[str, Any]

    def agent(self, name: str) -> dict[str, Any]:
        return next(a for a in self.packet["agents"] if a["name"] == name)

    def gate_ids(self) -> list[str]:
        return [g["id"] for g in self.packet["gates"]]


def review(tmp_path: Path, base: str, head: str, capsys: pytest.CaptureFixture[str],
           *extra: str) -> Result:
    """Write both files beside each other and review head against base (md and json)."""
    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "identities.yaml").write_text(head)
    args = ["review", "--base-file", str(tmp_path / "base.yaml"), "-f",
            str(tmp_path / "identities.yaml"), "--today", TODAY_ARG, *extra]
    capsys.readouterr()
    code = main(args)
    markdown = capsys.readouterr().out
    assert main([*args, "--format", "json"]) == code
    packet = json.loads(capsys.readouterr().out)
    return Result(code, markdown, packet)
