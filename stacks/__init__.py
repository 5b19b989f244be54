"""App assembly: the foundation stack and one stack per agent."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cdk.synthesis import App

    from . import app as _app

    # The CLI reaches stacks/app.py only through cdk.synthesis: mypy holds it to that shape.
    _CONFORMS: App = _app
