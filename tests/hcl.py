"""Evaluate a synthesized Terraform condition with the real ``terraform console``.

A postcondition written into ``cdk.tf.json`` is a promise kept by Terraform at plan
time; this reads it back from the artifact and evaluates it offline, with the
``self`` attributes it reads given as locals, so a test sees what Terraform decides.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest


def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform is not installed")
    return found


def evaluate(condition: str, self_attributes: dict[str, Any]) -> Any:
    """The value of ``condition`` (a ``${...}`` template) with ``self.X`` as given."""
    assert condition.startswith("${") and condition.endswith("}"), condition
    expression = condition[2:-1]
    for name in self_attributes:
        expression = expression.replace(f"self.{name}", f"local.{name}")
    assert "self." not in expression, expression
    with tempfile.TemporaryDirectory() as work:
        # The locals in JSON syntax, so any value is written exactly.
        Path(work, "main.tf.json").write_text(json.dumps({"locals": self_attributes}))
        result = subprocess.run([terraform(), "console"], cwd=work, input=expression,
                                capture_output=True, text=True, timeout=60,
                                env={"TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin",
                                     "CHECKPOINT_DISABLE": "1"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
