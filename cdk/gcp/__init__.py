"""Google Cloud: the pure plan (``plan``: pool, principals, conditions, bindings, deny
policy, secret store); the constructs (``provider``, ``pool``, ``identity``,
``secret``) load provider bindings on import, so stacks import them only when a
record uses Google Cloud (:mod:`cdk.extras` checks the bindings are installed)."""
