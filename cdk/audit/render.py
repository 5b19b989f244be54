"""Render an :class:`~cdk.audit.plan.AuditPlan`: its queries, then text or JSON.

Each query is a template in ``cdk/audit/templates``, rendered sandboxed with
``StrictUndefined``. The environment's ``finalize`` refuses every value that is not
:class:`~cdk.audit.quoting.Quoted`: a ``{{ value }}`` without a quoting filter fails
at render time (and in the tests), so no record text reaches a query unquoted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .clouds import CloudAudit, Query
from .plan import CLOUD_NAMES, AuditPlan
from .quoting import FILTERS, Quoted, QuotingError


@dataclass(frozen=True)
class RenderedQuery:
    """A query ready to paste: its text, and a command that runs it where one exists."""

    id: str
    title: str
    language: str
    runs_in: str
    shows: str
    text: str
    command: str | None


def _only_quoted(value: Any) -> Quoted:
    if isinstance(value, Quoted):
        return value
    raise QuotingError(f"an audit template interpolates {value!r} without a quoting filter "
                       "(sql, sql_ident, kql, logging, github, iso_date, jq, sh): a bug in "
                       "agentid's audit templates")


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The query templates' environment: sandboxed, strict, quoted values only."""
    env = SandboxedEnvironment(
        loader=PackageLoader("cdk.audit", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # each language has its own quoting filter; HTML's is wrong for all
        finalize=_only_quoted,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render_template(name: str, **context: Any) -> str:
    """One template rendered with ``context``; trailing whitespace removed."""
    return environment().get_template(name).render(**context).rstrip() + "\n"


def render_query(cloud: CloudAudit, query: Query) -> RenderedQuery:
    """``query`` rendered from its cloud's inputs, with the command that runs it."""
    text = render_template(query.template, refused=query.refused, **cloud.inputs)
    command = None
    if query.language == "Cloud Logging query":
        # gcloud takes the filter on one line: comment lines dropped, the rest ANDed.
        expression = " AND ".join(line for line in text.splitlines()
                                  if line and not line.startswith("--"))
        command = render_template("gcloud_logging_read.sh.j2", filter=expression,
                                  project_id=cloud.inputs["project_id"])
    elif query.language == "GitHub audit-log search":
        command = render_template("gh_audit_log.sh.j2", phrases=text.splitlines(),
                                  owner=cloud.inputs["owner"])
    return RenderedQuery(id=query.id, title=query.title, language=query.language,
                         runs_in=query.runs_in, shows=query.shows, text=text, command=command)


def rendered(plan: AuditPlan) -> list[tuple[CloudAudit, list[RenderedQuery]]]:
    """Every cloud of ``plan`` with its rendered queries."""
    return [(cloud, [render_query(cloud, q) for q in cloud.queries]) for cloud in plan.clouds]


def render_json(plan: AuditPlan) -> str:
    """The audit for scripts: sorted keys, two-space indent, trailing newline."""
    data = {
        "agent": plan.agent,
        "description": plan.description,
        "owner": plan.owner,
        "revoked": plan.revoked,
        "since": plan.since.isoformat(),
        "since_given": plan.since_given,
        "today": plan.today.isoformat(),
        "notes": list(plan.notes),
        "clouds": [
            {"cloud": cloud.cloud, "principal": cloud.principal, "needs": list(cloud.needs),
             "notes": list(cloud.notes), "queries": [asdict(q) for q in queries]}
            for cloud, queries in rendered(plan)
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_text(plan: AuditPlan) -> str:
    """The audit for people: per cloud, what must be enabled, then each query to paste."""
    lines = [f"agentid audit {plan.agent}: {plan.description} (owner {plan.owner})"]
    if plan.revoked is not None:
        lines.append(f"{plan.agent} is {plan.revoked}")
    lines.append(f"Since {plan.since.isoformat()}"
                 + ("" if plan.since_given else " (default: 30 days before today)") + ".")
    lines += [f"Note: {note}" for note in plan.notes]
    for cloud, queries in rendered(plan):
        lines += ["", f"=== {CLOUD_NAMES[cloud.cloud]}: {cloud.principal} ===", "",
                  "Returns nothing unless enabled:"]
        lines += [f"  - {need}" for need in cloud.needs]
        lines += [f"Note: {note}" for note in cloud.notes]
        for query in queries:
            lines += ["", f"--- {query.title} [{query.id}]",
                      f"{query.language}, run in {query.runs_in}.",
                      f"Shows {query.shows}.", "", query.text.rstrip()]
            if query.command is not None:
                lines += ["", query.command.rstrip()]
    return "\n".join(lines) + "\n"
