"""AWS: pure plans (``plan`` for the role and trust, ``scope`` for permissions and the
boundary, ``catalog`` for policy_sentry lookups, ``grants`` for agentid's own grants);
the constructs (``identity``, ``oidc``, ``provider``) load provider bindings on import."""
