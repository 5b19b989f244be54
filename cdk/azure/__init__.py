"""Azure: the pure plan (``plan``: managed identity, federated credentials, role
assignments, Key Vault); the constructs (``provider``, ``identity``, ``secret``) load
provider bindings on import, so stacks import them only when a record uses Azure
(:mod:`cdk.extras` checks the bindings are installed)."""
