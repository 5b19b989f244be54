"""AWS: pure plans in :mod:`cdk.aws.plan`; constructs load provider bindings on import."""
