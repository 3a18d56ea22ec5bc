"""Checks a built wheel where it runs: the README's Python quick start, then a SQLite file store
that a second marketplace reopens (the bundled SQLite), from a directory outside the source tree.

    python bindings-python/check_wheel.py WHEEL
        installs the wheel offline into a fresh virtual environment of this interpreter.
    python bindings-python/check_wheel.py WHEEL --tag manylinux_2_17_aarch64 \\
        --python "qemu-aarch64-static -L ROOT ROOT/usr/bin/python3.11"
        `auditwheel show` must find the wheel consistent with exactly that platform tag; the quick
        start then runs in the interpreter the command starts (one of another machine, under
        emulation), with the wheel unpacked onto its path, as pip would install it.

Ends with 'wheel: N passed, N failed'.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import venv
import zipfile

# After the quick start: a file store, written, closed and reopened by a second marketplace.
SQLITE_CHECK = """
import gc, pathlib, sys, tempfile
with tempfile.TemporaryDirectory() as tmp:
    path = pathlib.Path(tmp) / "market.db"
    first = am.Marketplace(clock=clock, store=am.SqliteStore(path))
    listed = first.list_product(am.Actor.seller("isv-1"), am.ProductDraft(
        name="Persisted", category="Storage", delivery=am.DeliveryMethod.Saas,
        specifications=[am.Specification("Standard", quantity=licences, plans=[plan])]))
    del first
    gc.collect()
    second = am.Marketplace(clock=clock, store=am.SqliteStore(path))
    assert second.product(listed.id).name == "Persisted", second.product(listed.id)
    del second
"""


def platform_tag(wheel: pathlib.Path, tag: str) -> str:
    """The platform tag `auditwheel show` finds the wheel consistent with.

    A musl wheel linked by zig names musl's C library `libc.so` (musl's loader takes that name
    for itself), where auditwheel's musllinux policy knows only `libc.musl-<arch>.so.1`: so for
    a musllinux tag auditwheel looks up no library (`--ldpaths` of nothing), and the tag holds
    when it finds no versioned symbol and no external library but `libc.so`.
    """
    auditwheel = pathlib.Path(sys.executable).parent / "auditwheel"
    musl = tag.startswith("musllinux")
    command = [str(auditwheel), "show", *(["--ldpaths", "/nonexistent"] if musl else []), str(wheel)]
    shown = subprocess.run(command, capture_output=True, text=True, check=True)
    text = " ".join(shown.stdout.split())
    found = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if not found:
        raise SystemExit(f"auditwheel show gave no platform tag:\n{shown.stdout}{shown.stderr}")
    if musl and found.group(1).startswith("linux_"):
        external = re.search(r"required by the wheel: (\{.*?\})", text)
        libraries = set(json.loads(external.group(1))) if external else set()
        versioned = "references no external versioned symbols" not in text
        if libraries <= {"libc.so"} and not versioned:
            return tag
    return found.group(1)


def script(quick_start: str, site: pathlib.Path | None, root: pathlib.Path) -> str:
    prefix = f"import sys\nsys.path.insert(0, {str(site)!r})\n" if site else ""
    return (
        prefix
        + quick_start
        + SQLITE_CHECK
        + "\nimport appmarket, platform\n"
        + f"assert appmarket.__file__.startswith({str(root)!r}), appmarket.__file__\n"
        + "print('quick start ran with appmarket', appmarket.__version__, 'on', platform.machine(),"
        + " 'from', appmarket.__file__)\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=pathlib.Path)
    parser.add_argument("--tag", help="the platform tag auditwheel must find, e.g. musllinux_1_2_x86_64")
    parser.add_argument("--python", help="the command that starts the interpreter to run it with")
    parser.add_argument("--tag-only", action="store_true", help="check the platform tag, run nothing")
    args = parser.parse_args()
    wheel: pathlib.Path = args.wheel
    name = wheel.name
    failures = []
    if "-abi3-" not in name:
        failures.append(f"{name} is not an abi3 wheel")
    if args.tag:
        if args.tag not in name:
            failures.append(f"{name} is not tagged {args.tag}")
        found = platform_tag(wheel, args.tag)
        if found != args.tag:
            failures.append(f"auditwheel show: {name} is consistent with {found}, not {args.tag}")
        else:
            print(f"auditwheel show: {name} is consistent with {found}")
    elif "manylinux" not in name:
        failures.append(f"{name} is not a manylinux wheel")
    if args.tag_only:
        for failure in failures:
            print("FAILED:", failure, file=sys.stderr)
        return 1 if failures else 0
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    quick_start = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)[0]
    with tempfile.TemporaryDirectory(prefix="appmarket-wheel-") as tmp:
        if args.python:
            site = pathlib.Path(tmp) / "site-packages"
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(site)
            python, root = shlex.split(args.python), site
            code = script(quick_start, site, root)
        else:
            env_dir = pathlib.Path(tmp) / "venv"
            venv.create(env_dir, with_pip=True)
            python, root = [str(env_dir / "bin" / "python")], env_dir
            subprocess.run(
                [*python, "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check", str(wheel)],
                check=True,
            )
            code = script(quick_start, None, root)
        path = pathlib.Path(tmp) / "quick_start.py"
        path.write_text(code, encoding="utf-8")
        run = subprocess.run([*python, "-I", str(path)], cwd=tmp, capture_output=True, text=True)
        print(run.stdout, end="")
        if run.returncode != 0:
            failures.append(f"the README quick start failed with the installed wheel:\n{run.stderr}")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    print(f"wheel: {0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
