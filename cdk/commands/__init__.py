"""The ``agentid`` commands, one module per command group; :mod:`cdk.cli` parses the
command line and dispatches to them."""
