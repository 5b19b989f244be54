"""Progress of long synths shows on an interactive terminal only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cdk.cli import main
from cdk.progress import Progress

from .conftest import TODAY_ARG
from .records import BASE, write


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.synth
def test_nothing_is_printed_when_stderr_is_not_a_tty(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "-f", str(write(tmp_path, BASE)), "-o", str(tmp_path / "out"),
                 "--today", TODAY_ARG]) == 0
    assert capsys.readouterr().err == ""


def test_terminal_sees_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = _Tty()
    progress = Progress(stream, interval=0)
    progress.update("building stacks", 1, 2)
    progress.close()
    assert "building stacks 1/2" in stream.getvalue()


def test_ci_sees_no_progress_even_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    stream = _Tty()
    progress = Progress(stream, interval=0)
    progress.update("building stacks", 1, 2)
    progress.note("writing")
    progress.close()
    assert stream.getvalue() == ""
