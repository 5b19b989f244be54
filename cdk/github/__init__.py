"""GitHub: pure plans in :mod:`cdk.github.plan`; constructs load provider bindings on import."""
