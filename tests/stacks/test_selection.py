"""Stack selection: `agentid synth --stack NAME` and `AGENTID_STACKS` write only those
stacks, each byte-identical to the same stack of a full synthesis.

The full syntheses are the session fixtures; the selected ones run in the same
process, after the fixtures loaded the provider bindings, so each costs a fraction
of a fresh synth.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk.cli import main
from cdk.commands.synth import app_main, env_stacks
from cdk.errors import AgentIdError
from cdk.validation import load

from ..conftest import EXAMPLE, ROOT, TODAY, TODAY_ARG, Synthesized
from ..records import BASE, write

FIXTURES = ("synthesized_example", "synthesized_deploy_keys", "synthesized_gcp",
            "synthesized_azure")


def select(source: Path, outdir: Path, *names: str) -> tuple[int, Synthesized]:
    """``agentid synth --stack NAME...`` of ``source`` into ``outdir``."""
    argv = ["synth", "-f", str(source), "-o", str(outdir), "--today", TODAY_ARG]
    for name in names:
        argv += ["--stack", name]
    return main(argv), Synthesized(outdir)


def manifest_stacks(outdir: Path) -> list[str]:
    return sorted(json.loads((outdir / "manifest.json").read_text())["stacks"])


@pytest.mark.synth
@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_selected_stack_is_byte_identical_to_the_full_synth(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path,
) -> None:
    # GIVEN a full synthesis, and its identities file in a project laid out the same
    # way (output beside the file), so relative state paths come out equal
    full: Synthesized = request.getfixturevalue(fixture)
    source = tmp_path / "identities.yaml"
    source.write_bytes((full.outdir.parent / "identities.yaml").read_bytes())
    full_manifest = json.loads((full.outdir / "manifest.json").read_text())
    for name in full.stacks():
        # WHEN only that stack is selected
        outdir = tmp_path / "cdktf.out"
        code, selected = select(source, outdir, name)
        # THEN the output holds exactly it, byte for byte what the full synth wrote
        assert code == 0, name
        assert selected.stacks() == [name]
        assert manifest_stacks(outdir) == [name]
        manifest = json.loads((outdir / "manifest.json").read_text())
        assert manifest["stacks"][name] == full_manifest["stacks"][name]
        stack_dir, full_dir = outdir / "stacks" / name, full.outdir / "stacks" / name
        assert sorted(p.name for p in stack_dir.iterdir()) == sorted(
            p.name for p in full_dir.iterdir())
        assert (stack_dir / "cdk.tf.json").read_bytes() == (
            full_dir / "cdk.tf.json").read_bytes(), name


@pytest.mark.synth
def test_several_stacks_replace_the_previous_output_whole(
    tmp_path: Path, synthesized_example: Synthesized, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a previous output holding stacks the selection does not name
    source = tmp_path / "identities.yaml"
    source.write_bytes(EXAMPLE.read_bytes())
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "release-bot").mkdir(parents=True)
    (outdir / "stacks" / "release-bot" / "cdk.tf.json").write_text("{}")
    (outdir / "stacks" / "gone-agent").mkdir()
    # WHEN two stacks are selected (in any order, one of them twice)
    code, selected = select(source, outdir, "triage-assistant", "foundation",
                            "triage-assistant")
    # THEN the output was swapped in whole: exactly those two, as a full synth wrote them
    assert code == 0
    assert capsys.readouterr().out == (f"synthesized only foundation, triage-assistant into "
                                       f"{outdir}/stacks/ (no other stack is in the output)\n")
    assert selected.stacks() == ["foundation", "triage-assistant"]
    assert manifest_stacks(outdir) == ["foundation", "triage-assistant"]
    for name in selected.stacks():
        assert selected.stack(name) == synthesized_example.stack(name)
    # Beside them only the synth cache (cdk/synth_cache/), outside the output.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".agentid-cache", "cdktf.out", "identities.yaml"]


def test_unknown_stack_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a previous output
    source = write(tmp_path, BASE)
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "release-bot").mkdir(parents=True)
    marker = outdir / "stacks" / "release-bot" / "cdk.tf.json"
    marker.write_text("previous")
    # WHEN a selection names a stack the file does not have
    code, _ = select(source, outdir, "release-bot", "relase-bot", "nope")
    # THEN exit 1, one line naming both and the known names, the old output untouched
    err = capsys.readouterr().err
    assert code == 1
    assert err == (f"agentid: no stacks 'nope', 'relase-bot' in {source} — a stack is "
                   "'foundation' or the `name` of an agent in the file "
                   "(known: foundation, release-bot)\n")
    assert marker.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "identities.yaml"]


@pytest.mark.slow
def test_unknown_stack_is_refused_before_provider_bindings_load() -> None:
    code = ("import sys; from cdk.cli import main; rc = main(['synth', '-f', "
            f"{str(EXAMPLE)!r}, '-o', '/nonexistent/out', '--today', {TODAY_ARG!r}, "
            "'--stack', 'nope']); "
            "loaded = [m for m in sys.modules if m == 'jsii' or m.startswith('cdktn')]; "
            "print(loaded); sys.exit(10 + rc if loaded else rc)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no stack 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_record_elsewhere_still_refuses_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a valid release-bot and, further down, an agent that expired
    text = BASE + BASE[BASE.index("  - name: release-bot"):].replace(
        "release-bot", "old-bot").replace("2027-02-15", "2026-01-01").replace(
        "123456", "654321").replace("acme/api", "acme/web")
    source = write(tmp_path, text)
    # WHEN only release-bot is selected
    code, _ = select(source, tmp_path / "cdktf.out", "release-bot")
    # THEN the whole file is refused at the bad record, and nothing is written
    err = capsys.readouterr().err
    assert code == 1
    assert "agents[1].expires" in err
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["identities.yaml"]


def test_many_stacks_say_how_to_find_their_names() -> None:
    identities = load(EXAMPLE, TODAY).identities
    agent = identities.agents[0]
    many = identities.model_copy(update={"agents": [
        agent.model_copy(update={"name": f"bot-{i}"}) for i in range(12)]})
    from stacks.app import check_stacks

    check_stacks(many, ["foundation", "bot-11"])
    with pytest.raises(AgentIdError) as refused:
        check_stacks(many, ["bot-12"], "agents.yaml")
    assert str(refused.value) == (
        "no stack 'bot-12' in agents.yaml — a stack is 'foundation' or the `name` of an "
        "agent in the file (13 stacks; `agentid affected --base REF` prints those a change "
        "touches)")


@pytest.mark.parametrize(("value", "expected"), [
    ("release-bot", ["release-bot"]),
    (" release-bot, foundation ,", ["release-bot", "foundation"]),
    ("", None),
    (" , ", None),
])
def test_agentid_stacks_is_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str] | None,
) -> None:
    monkeypatch.setenv("AGENTID_STACKS", value)
    assert env_stacks() == expected


def test_no_agentid_stacks_selects_every_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTID_STACKS", raising=False)
    assert env_stacks() is None


def test_unknown_agentid_stacks_stops_the_cdktn_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the CLI's app entry point, run in a project with one agent
    source = write(tmp_path, BASE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTID_TODAY", TODAY_ARG)
    monkeypatch.setenv("AGENTID_STACKS", "release-bot,nope")
    # WHEN the environment selects a stack the file does not have
    with pytest.raises(SystemExit) as stopped:
        app_main(str(source))
    # THEN it exits 1 naming the variable, the stack and the known names; nothing written
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("AGENTID_STACKS=release-bot,nope: no stack 'nope' in ")
    assert "(known: foundation, release-bot)" in err
    assert [p.name for p in tmp_path.iterdir()] == ["identities.yaml"]
