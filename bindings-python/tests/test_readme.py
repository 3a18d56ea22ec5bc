"""The README's Python quick start runs as written."""

from __future__ import annotations

import pathlib
import re


def test_readme_python_quick_start_runs() -> None:
    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has a Python quick start"
    exec(compile(blocks[0], "README.md", "exec"), {})
