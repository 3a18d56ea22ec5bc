"""Installs a built wheel into a fresh virtual environment, offline, and runs the README's
Python quick start with it (from a directory outside the source tree).

    python bindings-python/check_wheel.py target/wheels/appmarket-*.whl
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tempfile
import venv


def main(wheel: pathlib.Path) -> int:
    name = wheel.name
    failures = []
    if "-abi3-" not in name:
        failures.append(f"{name} is not an abi3 wheel")
    if "manylinux" not in name:
        failures.append(f"{name} is not a manylinux wheel")
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    quick_start = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)[0]
    with tempfile.TemporaryDirectory(prefix="appmarket-wheel-") as tmp:
        env_dir = pathlib.Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        python = env_dir / "bin" / "python"
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check", str(wheel)],
            check=True,
        )
        script = pathlib.Path(tmp) / "quick_start.py"
        script.write_text(
            quick_start
            + "\nimport appmarket, sys\n"
            + f"assert appmarket.__file__.startswith({str(env_dir)!r}), appmarket.__file__\n"
            + "print('quick start ran with appmarket', appmarket.__version__, 'from', appmarket.__file__)\n",
            encoding="utf-8",
        )
        run = subprocess.run([python, "-I", str(script)], cwd=tmp, capture_output=True, text=True)
        print(run.stdout, end="")
        if run.returncode != 0:
            failures.append(f"the README quick start failed with the installed wheel:\n{run.stderr}")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    print(f"wheel: {0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
