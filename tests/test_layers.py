"""The import graph keeps the layers of docs/architecture.md §1.

GIVEN the import graph of ``cdk`` and ``stacks`` (grimp: every import statement,
function-level and TYPE_CHECKING ones included), THEN
- ``cdk`` never imports ``stacks`` (the CLI reaches the app through cdk/synthesis.py),
  so there is no cycle between the two packages;
- no module imports one of a higher layer;
- the review, the rule pack and the verifier never reach (even transitively) a
  module that builds constructs, nor ``stacks``;
- there is no import cycle.
What does not hold yet (issue #16: one validation pipeline, the rule engine) is
listed below, each entry by name: a new violation fails, and so does an entry that
no longer happens. Targets reach each other's construct modules only by name
(cdk/builders.py, importlib), never by an import the graph would show.
"""

from __future__ import annotations

from functools import cache

import grimp
import pytest

PACKAGES = ("cdk", "stacks")
# Each target's folder: ``target.py`` sits with the plans, ``build.py`` with the constructs.
TARGETS = ("github", "aws", "gcp", "azure")
CONSTRUCT_LIBRARIES = ("cdktn", "constructs", "jsii")

# Bottom to top. A module belongs to the first layer with a prefix that matches it
# (the longest prefix wins); a module may import its own layer and those below.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("cdk.errors", "cdk.model", "cdk.names", "cdk.yamlsafe", "cdk.progress",
              "cdk.runtime", "cdk.plan", "cdk.synthesis", "cdk.subjects", "cdk.targets",
              "cdk.policy", "cdk.lifecycle", "cdk.yamledit")),
    ("target plans", ("cdk.aws.catalog", "cdk.aws.plan", "cdk.aws.scope", "cdk.aws.grants",
                      "cdk.aws.secret_plan", "cdk.aws.arns", "cdk.aws.denies",
                      "cdk.aws.document", "cdk.gcp.plan", "cdk.gcp.names", "cdk.gcp.roles",
                      "cdk.gcp.denies", "cdk.gcp.alerts_plan", "cdk.azure.plan",
                      "cdk.azure.names", "cdk.azure.roles", "cdk.azure.federation",
                      "cdk.azure.alerts_plan",
                      "cdk.github.plan", "cdk.github.deploy_keys",
                      "cdk.github.rotation_plan", "cdk.github.app_permissions",
                      "cdk.github.app_plan",
                      "cdk.github.ruleset_plan", "cdk.aws.alerts_plan",
                      *(f"cdk.{t}.target" for t in TARGETS))),
    ("plans across targets", ("cdk.secret_store", "cdk.backend", "cdk.extras")),
    ("loading", ("cdk.loader",)),
    ("rules", ("cdk.checks", "cdk.aws.rules", "cdk.aws.scope_rules", "cdk.gcp.rules",
               "cdk.azure.rules", "cdk.github.rules")),
    ("validation", ("cdk.validation",)),
    ("consumers of valid records", ("cdk.review", "cdk.verify", "cdk.atlantis",
                                    "cdk.approvals", "cdk.audit", "cdk.github.manifest")),
    ("constructs", ("cdk.rotation", "cdk.aws.identity", "cdk.aws.oidc", "cdk.aws.provider",
                    "cdk.aws.secret", "cdk.gcp.identity", "cdk.gcp.pool", "cdk.gcp.provider",
                    "cdk.gcp.secret", "cdk.gcp.alerts", "cdk.azure.identity",
                    "cdk.azure.provider", "cdk.azure.alerts",
                    "cdk.azure.secret", "cdk.azure.assignment", "cdk.github.deploy_key",
                    "cdk.github.environment", "cdk.github.app",
                    "cdk.github.ruleset", "cdk.builders", "cdk.aws.alerts",
                    *(f"cdk.{t}.build" for t in TARGETS))),
    ("command line", ("cdk.cli", "cdk.commands", "cdk.precompile", "cdk.synth_cache")),
    ("app", ("stacks",)),
)
# Package __init__ modules that only hold a docstring sit with the base.
PACKAGE_MARKERS = ("cdk", "cdk.aws", "cdk.gcp", "cdk.azure", "cdk.github")

# Packages that only read records, plans and synthesized JSON.
NO_CONSTRUCTS = ("cdk.review", "cdk.checks", "cdk.aws.rules", "cdk.aws.scope_rules",
                 "cdk.gcp.rules", "cdk.azure.rules", "cdk.github.rules", "cdk.verify",
                 "cdk.audit")

# Known exceptions, by edge and by cycle: none left. A new one fails the tests below
# unless it is listed here with the change that will remove it.
ALLOWED_UPWARD: frozenset[tuple[str, str]] = frozenset()
ALLOWED_CYCLES: frozenset[frozenset[str]] = frozenset()


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


def internal(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def edges() -> set[tuple[str, str]]:
    g = graph()
    return {(m, i) for m in g.modules if internal(m)
            for i in g.find_modules_directly_imported_by(m) if internal(i) and i != m}


def layer_of(module: str) -> int:
    if module in PACKAGE_MARKERS:
        return 0
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__} "
                             "and to docs/architecture.md §1")
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in graph().modules:
        if internal(module):
            layer_of(module)


def test_cdk_never_imports_stacks() -> None:
    found = sorted((m, i) for m, i in edges() if m.startswith("cdk") and i.startswith("stacks"))
    assert not found, f"cdk -> stacks (go through cdk/synthesis.py): {found}"


def test_no_module_imports_a_higher_layer() -> None:
    upward = {(m, i) for m, i in edges() if layer_of(i) > layer_of(m)}
    names = [name for name, _ in LAYERS]
    new = sorted(upward - ALLOWED_UPWARD)
    assert not new, "\n".join(
        f"{m} ({names[layer_of(m)]}) imports {i} ({names[layer_of(i)]})" for m, i in new)
    gone = sorted(ALLOWED_UPWARD - upward)
    assert not gone, f"no longer imported: remove from ALLOWED_UPWARD: {gone}"


@pytest.mark.parametrize("package", NO_CONSTRUCTS)
def test_review_checks_and_verify_never_reach_constructs(package: str) -> None:
    g = graph()
    forbidden = {m for m in g.modules if m.split(".")[0] in CONSTRUCT_LIBRARIES
                 or m.startswith("cdktn_provider_") or m.startswith("stacks")}
    forbidden |= {m for m in g.modules if internal(m) and m.startswith("cdk")
                  and LAYERS[layer_of(m)][0] == "constructs"}
    for module in sorted(m for m in g.modules if m == package or m.startswith(package + ".")):
        for target in sorted(forbidden):
            chain = g.find_shortest_chain(importer=module, imported=target)
            assert chain is None, f"{package} must not build constructs: {' -> '.join(chain)}"


def strongly_connected(nodes: set[str], pairs: set[tuple[str, str]]) -> list[set[str]]:
    """Tarjan's components of more than one module."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for m, i in pairs:
        out[m].append(i)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(out[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    pairs = edges()
    nodes = {m for pair in pairs for m in pair}
    cycles = {frozenset(c) for c in strongly_connected(nodes, pairs)}
    new = [sorted(c) for c in cycles - ALLOWED_CYCLES]
    assert not new, f"import cycles: {new}"
    gone = [sorted(c) for c in ALLOWED_CYCLES - cycles]
    assert not gone, f"no longer a cycle: remove from ALLOWED_CYCLES: {gone}"


def test_no_cycle_between_the_packages() -> None:
    pairs = {(m.split(".")[0], i.split(".")[0]) for m, i in edges()}
    assert ("stacks", "cdk") in pairs
    assert ("cdk", "stacks") not in pairs


def test_the_seam_names_the_app() -> None:
    import stacks.app
    from cdk.synthesis import app

    assert app() is stacks.app
