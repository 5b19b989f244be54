"""The corruptions of a synthesized stack that the stack-wide invariants must catch (MUTATIONS).

tests/verify/test_stacks.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from cdk.verify import stacks

from .helpers import Documents, Mutation, add_resource, resource


def _drop_stack(documents: Documents) -> str:
    documents.pop("docs-reader")
    return "docs-reader"


def _orphan(documents: Documents) -> str:
    documents["ghost"] = documents["docs-reader"]
    return "ghost"


def _revived(documents: Documents) -> str:
    return add_resource(documents, "triage-assistant", "aws_iam_role", "aws_role",
                        {"name": "agent-triage-assistant", "assume_role_policy": "{}"})


def _iam_user(documents: Documents) -> str:
    return add_resource(documents, "docs-reader", "aws_iam_user", "backdoor",
                        {"name": "agent-docs-reader"})


def _another_cloud(documents: Documents) -> str:
    return add_resource(documents, "docs-reader", "google_service_account", "account",
                        {"account_id": "agent-docs-reader", "project": "acme-agents"})


def _tagged_for_another_agent(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_secretsmanager_secret")
    body["tags"]["agent"] = "docs-reader"
    return address


def _unlabelled(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_secret_manager_secret")
    body.pop("labels")
    return address


def _locked_secret_version(documents: Documents) -> str:
    return add_resource(documents, "release-bot", "aws_secretsmanager_secret_version", "kept",
                        {"secret_id": "agents/release-bot/deploy-keys/acme/widgets-docs"})


MUTATIONS = [
    Mutation("a live record without its stack", "example", "docs-reader", _drop_stack,
             stacks.STACK_MATCHES_RECORD.id),
    Mutation("a stack without a record", "example", "ghost", _orphan,
             stacks.STACK_MATCHES_RECORD.id),
    Mutation("a tombstone with a resource", "example", "triage-assistant", _revived,
             stacks.STACK_MATCHES_RECORD.id),
    Mutation("a secret tagged as another agent's", "example", "release-bot",
             _tagged_for_another_agent, stacks.RESOURCES_TAGGED.id),
    Mutation("a secret without labels", "gcp", "model-trainer", _unlabelled,
             stacks.RESOURCES_TAGGED.id),
    Mutation("an IAM user", "example", "docs-reader", _iam_user,
             stacks.RESOURCES_FROM_RECORD.id),
    Mutation("a cloud the record does not use", "example", "docs-reader", _another_cloud,
             stacks.RESOURCES_FROM_RECORD.id),
    Mutation("a locked agent's secret version kept", "locked", "release-bot",
             _locked_secret_version, stacks.RESOURCES_FROM_RECORD.id),
]
