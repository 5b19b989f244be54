"""AWS invariants: each corruption of a synthesized stack is caught by its invariant."""

from __future__ import annotations

import pytest

from .helpers import Mutation, Output, assert_caught
from .mutations_aws import MUTATIONS


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_corruption_is_caught(outputs: dict[str, Output], mutation: Mutation) -> None:
    assert_caught(outputs[mutation.output], mutation)
