"""Nothing secret in cdk.tf.json, in what agentid prints, or in the repository.

The private half of a deploy key exists only as a Terraform reference in the
output; the scanner (tests/secrets_scan.py) is shared with every test that
renders something a person or a log will see.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cdk.cli import main

from .conftest import EXAMPLE, ROOT, TODAY_ARG, Synthesized
from .records import BASE
from .secrets_scan import assert_no_private_keys, find_private_keys

# DER prefixes of private keys as tls, ssh-keygen and openssl write them.
DER_PREFIXES = {
    "openssh": b"openssh-key-v1\0",
    "pkcs8-ed25519": bytes.fromhex("302e020100300506032b657004220420"),
    "pkcs1-rsa": bytes.fromhex("308204a40201000282010100"),
    "sec1-p256": bytes.fromhex("307702010104"),
}
# Spelled in pieces so this file passes the repository scan below.
HEADER = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"
FOOTER = "-----END " + "OPENSSH PRIVATE KEY-----"


def _blob(prefix: bytes, lead: bytes = b"") -> str:
    return base64.b64encode(lead + prefix + os.urandom(48)).decode()


@pytest.mark.parametrize("kind", sorted(DER_PREFIXES))
def test_scanner_finds_key_bodies_without_their_headers(kind: str) -> None:
    assert find_private_keys("value: " + _blob(DER_PREFIXES[kind]))


@pytest.mark.parametrize("lead", [b"", b"x", b"xy"])
def test_scanner_finds_an_openssh_blob_at_any_base64_alignment(lead: bytes) -> None:
    assert find_private_keys(_blob(DER_PREFIXES["openssh"], lead))


def test_scanner_finds_headers_also_json_escaped() -> None:
    pem = f"{HEADER}\\nAAAA\\n{FOOTER}\\n"
    kinds = {leak.kind for leak in find_private_keys('{"secret_string": "' + pem + '"}')}
    assert "PEM/OpenSSH private key header" in kinds
    assert "escaped PEM private key" in kinds


def test_scanner_reports_where_but_never_the_key(tmp_path: Path) -> None:
    blob = _blob(DER_PREFIXES["openssh"])
    (tmp_path / "out.json").write_text("{\n" + blob + "\n}")
    with pytest.raises(AssertionError) as failure:
        assert_no_private_keys(tmp_path)
    assert f"{tmp_path / 'out.json'}:2: OpenSSH private key blob" in str(failure.value)
    assert blob[:16] not in str(failure.value)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
# Generating the RSA key takes ssh-keygen 0.1-0.8 s of prime search: `slow`, beside
# the deterministic pkcs1-rsa case above (the same DER prefix a 2048-bit key starts with).
@pytest.mark.parametrize("key_type", [
    ["ed25519"], pytest.param(["rsa", "-b", "2048", "-m", "PEM"], marks=pytest.mark.slow),
    ["ecdsa", "-m", "PKCS8"]])
def test_scanner_finds_real_keys_and_ignores_their_public_halves(
    tmp_path: Path, key_type: list[str],
) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-f", str(key), "-t", *key_type], check=True)
    body = "".join(line for line in key.read_text().splitlines() if "-----" not in line)

    assert find_private_keys(key.read_text())
    assert find_private_keys(body)
    assert not find_private_keys(key.with_suffix(".pub").read_text())


def test_synthesized_stacks_hold_no_private_key_material(
    synthesized_example: Synthesized, synthesized_deploy_keys: Synthesized,
) -> None:
    # The deploy keys are there, as references only.
    assert synthesized_example.resources("release-bot", "tls_private_key")
    assert synthesized_deploy_keys.resources("docs-sync", "tls_private_key")
    assert_no_private_keys(synthesized_example.outdir, synthesized_deploy_keys.outdir)


@pytest.mark.synth
def test_what_agentid_prints_holds_no_private_key_material(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "identities.yaml")
    source = str(tmp_path / "identities.yaml")
    assert main(["validate", "-f", source, "--today", TODAY_ARG]) == 0
    assert main(["synth", "-f", source, "-o", str(tmp_path / "out"), "--today", TODAY_ARG]) == 0
    captured = capsys.readouterr()
    assert_no_private_keys(captured.out, captured.err, tmp_path / "out")


def test_the_repository_holds_no_private_key_material() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    # The scanner's own source spells out what it looks for.
    files = [ROOT / name for name in tracked
             if name and name != "tests/secrets_scan.py" and (ROOT / name).is_file()]
    assert files
    assert_no_private_keys(*files)


@pytest.mark.synth
def test_review_packets_and_cards_hold_no_private_key_material(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a change that adds a deploy key, reviewed with a Terraform plan whose
    # sensitive values hold a key-shaped secret
    from .review.helpers import FAKE_KEY, plans_with_fake_key

    base = tmp_path / "base.yaml"
    base.write_text(BASE)
    head = tmp_path / "identities.yaml"
    head.write_text(BASE + "    github:\n      deploy_keys:\n        - {repo: acme/api}\n")
    plans = plans_with_fake_key(tmp_path)
    assert FAKE_KEY in (plans / "release-bot.json").read_text()
    capsys.readouterr()

    # WHEN the packet is rendered both ways and the card printed
    for fmt in ("md", "json"):
        main(["review", "--base-file", str(base), "-f", str(head), "--today", TODAY_ARG,
              "--format", fmt, "--plan-json", str(plans)])
    main(["card", "release-bot", "-f", str(head), "--today", TODAY_ARG])

    # THEN no output carries key material
    captured = capsys.readouterr()
    assert "deploy key" in captured.out
    assert_no_private_keys(captured.out, captured.err)
