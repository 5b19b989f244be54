"""The corruptions of a synthesized stack that the AWS invariants must catch (MUTATIONS).

tests/verify/test_aws.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdk.verify import aws

from .helpers import (
    Corruption,
    Documents,
    Mutation,
    edit_policy,
    resource,
    statement,
)

ROLE = "arn:aws:iam::123456789012:role/agent-release-bot"
OIDC = "token.actions.githubusercontent.com"


def _inline(documents: Documents, stack: str = "release-bot") -> tuple[str, dict[str, Any]]:
    return resource(documents, stack, "aws_iam_role_policy")


def _add_to_statement(sid: str, key: str, value: str, stack: str = "release-bot") -> Corruption:
    def corrupt(documents: Documents) -> str:
        address, body = _inline(documents, stack)

        def edit(document: dict[str, Any]) -> None:
            found = statement(document, sid)
            found[key] = [*([found[key]] if isinstance(found[key], str) else found[key]), value]

        edit_policy(body, "policy", edit)
        return address
    return corrupt


def _trust(edit_statement: Callable[[dict[str, Any]], Any]) -> Corruption:
    def corrupt(documents: Documents) -> str:
        address, body = resource(documents, "release-bot", "aws_iam_role")
        edit_policy(body, "assume_role_policy",
                    lambda document: edit_statement(document["Statement"][0]))
        return address
    return corrupt


def _drop_decrypt_condition(documents: Documents) -> str:
    address, body = _inline(documents)
    edit_policy(body, "policy",
                lambda d: statement(d, "DecryptOwnDeployKeySecrets").pop("Condition", None))
    return address


def _read_other_agents_secret(documents: Documents) -> str:
    address, body = _inline(documents)
    edit_policy(body, "policy", lambda d: d["Statement"].append({
        "Sid": "ReadAnother", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
        "Resource": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:agents/"
                     "search-indexer/deploy-keys/acme/search-AbCdEf"]}))
    return address


def _second_role(documents: Documents) -> str:
    _, body = resource(documents, "release-bot", "aws_iam_role")
    documents["release-bot"]["resource"]["aws_iam_role"]["spare"] = {**body, "name": "spare"}
    return "release-bot"


def _audience_of_any_client(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "aws_iam_openid_connect_provider")
    body["client_id_list"] = ["sts.amazonaws.com", "sigstore"]
    return address


def _longer_sessions(documents: Documents) -> str:
    address, body = resource(documents, "docs-reader", "aws_iam_role")
    body["max_session_duration"] = 43200
    return address


def _read_every_secret(documents: Documents) -> str:
    address, body = resource(documents, "docs-reader", "aws_iam_role_policy")
    edit_policy(body, "policy", lambda d: d["Statement"].append({
        "Sid": "ReadEverySecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"}))
    return address


def _drop_boundary_deny(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_iam_policy")
    edit_policy(body, "policy", lambda d: d["Statement"].remove(
        statement(d, "DenyIdentityAndCredentialChanges")))
    return address


def _detach_boundary(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_iam_role")
    body["permissions_boundary"] = "arn:aws:iam::123456789012:policy/wide-open"
    return address


def _attach_policy(documents: Documents) -> str:
    address, body = resource(documents, "release-bot",
                             "aws_iam_role_policy_attachments_exclusive")
    body["policy_arns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    return address


def _inline_on_another_role(documents: Documents) -> str:
    address, body = _inline(documents)
    body["role"] = "agent-docs-reader"
    return address


def _drop_exclusive(documents: Documents) -> str:
    resource(documents, "release-bot", "aws_iam_role_policies_exclusive")
    documents["release-bot"]["resource"].pop("aws_iam_role_policies_exclusive")
    return "release-bot"


def _secret_reader(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_secretsmanager_secret_policy")
    edit_policy(body, "policy", lambda d: statement(d, "DenyReadingToAllButTheAgent").update(
        Condition={"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:root"}}))
    return address


def _app_secret_reader(documents: Documents) -> str:
    address, body = resource(documents, "pr-bot", "aws_secretsmanager_secret_policy",
                             lambda body: "github-app" in body["secret_arn"])
    edit_policy(body, "policy", lambda d: statement(d, "DenyReadingToAllButTheAgent").update(
        Condition={"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:root"}}))
    return address


def _locked_app_secret_kept(documents: Documents) -> str:
    _, body = resource(documents, "pr-bot", "aws_secretsmanager_secret",
                       lambda body: body["name"].endswith("/github-app"))
    documents["docs-bot"]["resource"]["aws_secretsmanager_secret"] = {
        "app_key": {**body, "name": "agents/docs-bot/deploy-keys/github-app",
                    "kms_key_id": "${aws_kms_key.secret_store_key_670D50EB.arn}"}}
    return "docs-bot"


def _secret_allow(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_secretsmanager_secret_policy")
    edit_policy(body, "policy", lambda d: d["Statement"].append({
        "Sid": "LetOthersRead", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    return address


def _key_decrypt_by_root(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_kms_key")
    edit_policy(body, "policy", lambda d: statement(d, "AgentDecryptsItsSecrets").update(
        Principal={"AWS": "arn:aws:iam::123456789012:root"}))
    return address


def _key_decrypt_anywhere(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_kms_key")
    edit_policy(body, "policy", lambda d: statement(d, "AgentDecryptsItsSecrets").pop(
        "Condition"))
    return address


def _string_like(s: dict[str, Any]) -> None:
    s["Condition"]["StringLike"] = {f"{OIDC}:sub": s["Condition"]["StringEquals"].pop(
        f"{OIDC}:sub")}


def _for_all_values(s: dict[str, Any]) -> None:
    s["Condition"]["ForAllValues:StringEquals"] = {
        f"{OIDC}:repository_id": s["Condition"]["StringEquals"].pop(f"{OIDC}:repository_id")}


def _widen_subject(s: dict[str, Any]) -> None:
    s["Condition"]["StringEquals"][f"{OIDC}:sub"].append("repo:acme/api:environment:prod")


def _alert_pattern(edit: Callable[[dict[str, Any]], None]) -> Corruption:
    def corrupt(documents: Documents) -> str:
        address, body = resource(documents, "docs", "aws_cloudwatch_event_rule",
                                 lambda b: "access-denied" in b["name"])
        edit_policy(body, "event_pattern", edit)
        return address
    return corrupt


def _issuer_prefix(pattern: dict[str, Any]) -> None:
    # `agent-docs` as a prefix would also match `agent-docs-writer`'s sessions.
    pattern["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = [
        {"prefix": "arn:aws:iam::123456789012:role/agent-docs"}]


def _alert_elsewhere(documents: Documents) -> str:
    address, body = resource(documents, "docs", "aws_cloudwatch_event_target")
    body["arn"] = "arn:aws:sns:eu-west-1:210987654321:elsewhere"
    return address


# A locked agent's stack (tests/fixtures/locked.yaml).
LOCKED = "incident-bot"
TRUSTED = {"Sid": "GitHubActionsEnvironments", "Effect": "Allow",
           "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{OIDC}"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {
               f"{OIDC}:aud": "sts.amazonaws.com",
               f"{OIDC}:sub": ["repo:acme@1342004/incidents@77701:environment:"
                               "agent-incident-bot"],
               f"{OIDC}:repository_id": ["77701"]},
               "DateLessThan": {"aws:CurrentTime": "2027-01-31T00:00:00Z"}}}


def _locked_trust_allows(documents: Documents) -> str:
    # The unlocked statement put back beside the deny: a token would still be refused
    # (a deny wins), but the trust no longer says "admits nothing" on its own.
    address, role = resource(documents, LOCKED, "aws_iam_role")
    edit_policy(role, "assume_role_policy", lambda d: d["Statement"].append(TRUSTED))
    return address


def _locked_trust_unlocked(documents: Documents) -> str:
    address, role = resource(documents, LOCKED, "aws_iam_role")
    edit_policy(role, "assume_role_policy", lambda d: d.update(Statement=[TRUSTED]))
    return address


def _locked_trust_conditional_deny(documents: Documents) -> str:
    address, role = resource(documents, LOCKED, "aws_iam_role")
    edit_policy(role, "assume_role_policy", lambda d: d["Statement"][0].update(
        Condition={"StringEquals": {f"{OIDC}:sub": "repo:acme/other:environment:x"}}))
    return address


def _locked_inline_deny_removed(documents: Documents) -> str:
    address, body = _inline(documents, LOCKED)
    edit_policy(body, "policy", lambda d: d.update(Statement=[]))
    return address


def _locked_inline_allows(documents: Documents) -> str:
    address, body = _inline(documents, LOCKED)
    edit_policy(body, "policy", lambda d: d["Statement"].append(
        {"Sid": "ListS3Bucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": ["arn:aws:s3:::acme-alerts"]}))
    return address


def _locked_inline_narrowed(documents: Documents) -> str:
    address, body = _inline(documents, LOCKED)
    edit_policy(body, "policy", lambda d: d["Statement"][0].update(Action="s3:*"))
    return address


def _locked_inline_gone(documents: Documents) -> str:
    documents[LOCKED]["resource"].pop("aws_iam_role_policy")
    _, exclusive = resource(documents, LOCKED, "aws_iam_role_policies_exclusive")
    exclusive["policy_names"] = []
    return LOCKED


def _locked_boundary_deny_removed(documents: Documents) -> str:
    address, body = resource(documents, LOCKED, "aws_iam_policy")
    edit_policy(body, "policy", lambda d: d["Statement"][0].update(Effect="Allow",
                                                                  Action="s3:GetObject"))
    return address


MUTATIONS = [
    Mutation("wildcard action", "example", "release-bot",
             _add_to_statement("ListS3Bucket", "Action", "s3:*"), aws.NO_WILDCARD_ACTION.id),
    Mutation("wildcard service action", "example", "docs-reader",
             _add_to_statement("ListS3Bucket", "Action", "*", "docs-reader"),
             aws.NO_WILDCARD_ACTION.id),
    Mutation("kms:Decrypt on every key without a condition", "example", "release-bot",
             _drop_decrypt_condition, aws.WILDCARD_RESOURCE.id),
    Mutation("a bucket glob the record does not list", "example", "docs-reader",
             _add_to_statement("ListS3Bucket", "Resource", "arn:aws:s3:::a*", "docs-reader"),
             aws.WILDCARD_RESOURCE.id),
    Mutation("a new action on the record's `*` resource", "example", "release-bot",
             _add_to_statement("ExactCloudwatchPutMetricData", "Action", "kms:Decrypt"),
             aws.WILDCARD_RESOURCE.id),
    Mutation("iam:PassRole allowed", "example", "release-bot",
             _add_to_statement("ListS3Bucket", "Action", "iam:PassRole"),
             aws.ALWAYS_DENIED_ALLOWED.id),
    Mutation("must_never_hold allowed", "example", "docs-reader",
             _add_to_statement("ListS3Bucket", "Action", "s3:PutObject", "docs-reader"),
             aws.ALWAYS_DENIED_ALLOWED.id),
    Mutation("another agent's secret", "example", "release-bot", _read_other_agents_secret,
             aws.NO_GRANT_ON_OTHER_AGENTS.id),
    Mutation("every secret of the account", "example", "docs-reader", _read_every_secret,
             aws.NO_GRANT_ON_OTHER_AGENTS.id),
    Mutation("another principal in the trust", "example", "release-bot",
             _trust(lambda s: s.update(Principal={"AWS": "arn:aws:iam::123456789012:root"})),
             aws.TRUST_PRINCIPAL.id),
    Mutation("sts:AssumeRole in the trust", "example", "release-bot",
             _trust(lambda s: s.update(Action=["sts:AssumeRoleWithWebIdentity",
                                               "sts:AssumeRole"])),
             aws.TRUST_PRINCIPAL.id),
    Mutation("a second role", "example", "release-bot", _second_role, aws.TRUST_PRINCIPAL.id),
    Mutation("the OIDC provider for any client", "example", "foundation",
             _audience_of_any_client, aws.TRUST_PRINCIPAL.id),
    Mutation("StringLike on the subject", "example", "release-bot", _trust(_string_like),
             aws.TRUST_CONDITIONS.id),
    Mutation("ForAllValues on repository ids", "example", "release-bot",
             _trust(_for_all_values), aws.TRUST_CONDITIONS.id),
    Mutation("no expiry", "example", "release-bot",
             _trust(lambda s: s["Condition"].pop("DateLessThan")), aws.TRUST_CONDITIONS.id),
    Mutation("a widened subject", "example", "release-bot", _trust(_widen_subject),
             aws.TRUST_SUBJECTS.id),
    Mutation("no workflow pin", "example", "release-bot",
             _trust(lambda s: s["Condition"]["StringEquals"].pop(f"{OIDC}:job_workflow_ref")),
             aws.TRUST_SUBJECTS.id),
    Mutation("twelve-hour sessions", "example", "docs-reader", _longer_sessions,
             aws.SESSION_LENGTH.id),
    Mutation("a boundary deny dropped", "example", "release-bot", _drop_boundary_deny,
             aws.BOUNDARY.id),
    Mutation("another boundary attached", "example", "release-bot", _detach_boundary,
             aws.BOUNDARY.id),
    Mutation("a managed policy attached", "example", "release-bot", _attach_policy,
             aws.EXCLUSIVE.id),
    Mutation("the scope put on another agent's role", "example", "release-bot",
             _inline_on_another_role, aws.EXCLUSIVE.id),
    Mutation("inline policies not exclusive", "example", "release-bot", _drop_exclusive,
             aws.EXCLUSIVE.id),
    Mutation("the secret readable by the account", "example", "release-bot", _secret_reader,
             aws.SECRET_POLICY.id),
    Mutation("an Allow in the secret policy", "example", "release-bot", _secret_allow,
             aws.SECRET_POLICY.id),
    Mutation("the App key secret readable by the account", "github_app", "pr-bot",
             _app_secret_reader, aws.SECRET_POLICY.id),
    Mutation("a locked agent's App key secret kept", "github_app", "docs-bot",
             _locked_app_secret_kept, aws.SECRET_POLICY.id),
    Mutation("the key decrypts for the account", "example", "release-bot",
             _key_decrypt_by_root, aws.KEY_POLICY.id),
    Mutation("the key decrypts outside Secrets Manager", "example", "release-bot",
             _key_decrypt_anywhere, aws.KEY_POLICY.id),
    Mutation("an alert rule on a prefix of the role's ARN", "alerts_aws", "docs",
             _alert_pattern(_issuer_prefix), aws.ALERT_RULES.id),
    Mutation("an alert sent to a topic the record does not name", "alerts_aws", "docs",
             _alert_elsewhere, aws.ALERT_TARGETS.id),
    Mutation("a locked trust that still allows", "locked", LOCKED, _locked_trust_allows,
             aws.LOCKED.id),
    Mutation("a locked trust that still allows: its subjects", "locked", LOCKED,
             _locked_trust_allows, aws.TRUST_SUBJECTS.id),
    Mutation("a locked role's trust unlocked", "locked", LOCKED, _locked_trust_unlocked,
             aws.LOCKED.id),
    Mutation("a locked trust's deny under a condition", "locked", LOCKED,
             _locked_trust_conditional_deny, aws.LOCKED.id),
    Mutation("a locked inline policy without its deny", "locked", LOCKED,
             _locked_inline_deny_removed, aws.LOCKED.id),
    Mutation("a locked inline policy that allows", "locked", LOCKED, _locked_inline_allows,
             aws.LOCKED.id),
    Mutation("a locked inline policy denying only s3", "locked", LOCKED,
             _locked_inline_narrowed, aws.LOCKED.id),
    Mutation("a locked role without its inline deny", "locked", LOCKED, _locked_inline_gone,
             aws.LOCKED.id),
    Mutation("a locked boundary that allows", "locked", LOCKED, _locked_boundary_deny_removed,
             aws.LOCKED.id),
]
