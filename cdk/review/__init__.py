"""Review packets: what a change to identities.yaml does, agent by agent.

``plans`` is the one door to the pure policy plans, ``diff`` compares two plans
and two syntheses into a :class:`~cdk.review.diff.Packet` (pure), ``gates``
judges it, ``render`` turns it into Markdown or JSON; ``lifecycle`` reads locks
(a narrowing, judged also as if unlocked) and rotate requests.
"""
