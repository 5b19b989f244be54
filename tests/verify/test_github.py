"""GitHub invariants: each corruption of a synthesized stack is caught by its invariant."""

from __future__ import annotations

import pytest

from cdk.verify import github

from .helpers import Mutation, Output, assert_caught, findings_of, resource
from .mutations_github import MUTATIONS


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_corruption_is_caught(outputs: dict[str, Output], mutation: Mutation) -> None:
    assert_caught(outputs[mutation.output], mutation)


def test_a_write_key_the_record_escalated_passes(outputs: dict[str, Output]) -> None:
    # GIVEN the deploy-keys fixture, whose release-bot key on acme/api is `access: write`
    output = outputs["deploy_keys"]
    _, body = resource(output.documents, "release-bot", "github_repository_deploy_key",
                       lambda b: b["repository"] == "api")
    assert body["read_only"] is False
    # THEN verify accepts it
    assert findings_of(output.verify(), github.DEPLOY_KEYS.id) == []
