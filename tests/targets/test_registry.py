"""The target registry: its order, and every consumer taking target facts from it.

GIVEN cdk/targets.py's registry, THEN its targets are GitHub, AWS, Google Cloud and
Azure in that order, each in its own folder with a construct module, an extra in
pyproject.toml that installs exactly its bindings, and resource types of its own;
the consumers (stacks, extras, runtime, precompile, secret store, card, review
plans and diff) import no target's modules (they iterate the registry); and an
agent whose only use of AWS is ``secrets: {store: aws}`` (issue #16's reproduced
bug) gets the same answer from every one of them.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

from cdk.extras import extras, needed_extras
from cdk.review.card import identity_card
from cdk.review.plans import agent_documents, planned_content
from cdk.secret_store import plan_store
from cdk.targets import REGISTRY, target, targets, used
from cdk.validation import load
from cdk.verify import expect

from ..conftest import TODAY, Synthesized
from ..records import DEPLOY_KEYS, write

ROOT = Path(__file__).resolve().parents[2]
TARGET_PACKAGES = ("github", "aws", "gcp", "azure")
# Modules that must take every target fact from the registry.
CONSUMERS = ("stacks/app.py", "stacks/agent.py", "stacks/foundation.py", "stacks/backend.py",
             "cdk/extras.py", "cdk/runtime.py", "cdk/precompile.py", "cdk/secret_store.py",
             "cdk/review/card.py", "cdk/review/plans.py", "cdk/review/diff.py",
             "cdk/review/subjects.py", "cdk/builders.py", "cdk/targets.py")
# Modules that hold per-target knowledge of their own (the audit's queries per cloud)
# but must still ask the registry which targets an agent uses.
ASKING = (*CONSUMERS, "cdk/audit/plan.py")
# Per-target predicates that consumers used to re-derive.
PREDICATES = re.compile(r"\b(has_role|uses_gcp|uses_azure|uses_gcp_store|uses_azure_store|"
                        r"uses_aws)\b")


def test_registry_order() -> None:
    assert tuple(f"cdk.{name}.target" for name in TARGET_PACKAGES) == REGISTRY
    assert [t.name for t in targets()] == list(TARGET_PACKAGES)


@pytest.mark.parametrize("name", TARGET_PACKAGES)
def test_each_target_is_one_folder_with_a_construct_module(name: str) -> None:
    found = target(name)
    assert found.builder == f"cdk.{name}.build"
    assert (ROOT / "cdk" / name / "target.py").is_file()
    assert (ROOT / "cdk" / name / "build.py").is_file()


def test_the_extras_follow_the_registry_and_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; agentid supports 3.10
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    for name, modules in extras().items():
        distributions = {re.split(r"[=<>]", d)[0].replace("-", "_") for d in optional[name]}
        assert distributions == set(modules), name
    (everything,) = optional["all"]
    assert set(everything.removeprefix("agentid[").removesuffix("]").split(",")) == {
        t.name for t in targets()}


def test_each_resource_type_belongs_to_one_target() -> None:
    seen: dict[str, str] = {}
    for t in targets():
        for kind in t.force_new:
            assert kind not in seen, f"{kind} in {seen.get(kind)} and {t.name}"
            seen[kind] = t.name


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                prefix = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{prefix}.{base}" if base else prefix
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_take_target_facts_from_the_registry(consumer: str) -> None:
    path = ROOT / consumer
    reaching = sorted(m for m in _imports(path)
                      if any(m == f"cdk.{t}" or m.startswith(f"cdk.{t}.")
                             for t in TARGET_PACKAGES))
    assert not reaching, f"{consumer} imports target modules {reaching}: ask cdk.targets"


@pytest.mark.parametrize("module", ASKING)
def test_no_module_re_derives_whether_an_agent_uses_a_target(module: str) -> None:
    assert not PREDICATES.findall((ROOT / module).read_text()), (
        f"{module} re-derives whether an agent uses a target: use Target.used_by")


def test_no_stack_module_names_a_cloud() -> None:
    # stacks/backend.py names state backends (S3, GCS, azurerm), which are no targets.
    for path in sorted(p for p in (ROOT / "stacks").glob("*.py") if p.name != "backend.py"):
        for word in ("aws", "gcp", "azure", "google"):
            assert not re.search(rf"\b{word}\b", path.read_text(), re.IGNORECASE), (
                f"{path.name} names {word}")


# --------------------------------------------------------------------------- one answer


def test_an_agent_that_only_stores_secrets_in_aws_uses_aws_everywhere(tmp_path: Path) -> None:
    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities
    agent = next(a for a in identities.agents if a.name == "docs-sync")
    assert agent.aws is None and agent.secrets.store == "aws" and agent.github.deploy_keys

    # the target's one predicate, and what the stacks iterate
    assert target("aws").used_by(agent, identities)
    assert "aws" in [t.name for t in used(agent, identities)]
    # extras
    assert "aws" in needed_extras(identities)
    # secret store
    assert type(plan_store(agent, identities)).__name__ == "AwsSecretStorePlan"
    # card: the role, not "no cloud role"
    card = identity_card(agent, identities, TODAY)
    assert "role agent-docs-sync" in card.credential_source
    assert "no cloud role" not in card.credential_source
    # review: the role's documents and plans
    assert {"trust", "boundary"} <= set(agent_documents(agent, identities))
    content = planned_content(agent, identities)
    assert {"plan.aws_role", "plan.aws_scope", "plan.secret_store"} <= set(content)
    # the verifier's own reading of the records (independent on purpose) agrees
    assert expect.uses_aws(identities, agent)
    for t in targets():
        assert t.used_by(agent, identities) == (t.name in ("github", "aws")), t.name


def test_the_store_only_agent_gets_its_role(synthesized_deploy_keys: Synthesized) -> None:
    roles = synthesized_deploy_keys.resources("docs-sync", "aws_iam_role")
    assert [r["name"] for r in roles] == ["agent-docs-sync"]


def test_no_target_module_spec_is_missing() -> None:
    for t in targets():
        assert importlib.util.find_spec(t.builder) is not None, t.builder
