#!/usr/bin/env python3
"""Newcomer entry points, portable (Windows/Linux): `python dev.py demo` and `python dev.py test`.

demo: create .venv, install gongjian, run the whole monthly loop on samples/ into demo/.
test: create .venv, install gongjian with its test extras (and, on Debian as root, the
LibreOffice and Chromium the round-trip and browser tests use), run ruff and pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DEBIAN_PACKAGES = ["libreoffice-calc-nogui", "chromium", "poppler-utils", "fonts-noto-cjk"]


def _bin(name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    exe = f"{name}.exe" if os.name == "nt" else name
    return VENV / sub / exe


def _run(*args: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=check).returncode


def ensure_venv(extras: str = "") -> None:
    if not _bin("python").exists():
        venv.create(VENV, with_pip=True)
    spec = f".[{extras}]" if extras else "."
    _run(
        _bin("python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", spec
    )


def ensure_system_tools() -> None:
    """On Debian as root, install LibreOffice and Chromium when missing (best effort)."""
    if shutil.which("soffice") and shutil.which("chromium"):
        return
    if os.name == "nt" or not shutil.which("apt-get") or os.geteuid() != 0:
        print("未安装 LibreOffice/Chromium：相关测试将跳过。", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *DEBIAN_PACKAGES], check=False, env=env)


def demo() -> int:
    ensure_venv()
    return _run(_bin("python"), ROOT / "samples" / "demo.py", ROOT / "demo", check=False)


def test(pytest_args: list[str]) -> int:
    ensure_venv("test")
    ensure_system_tools()
    _run(_bin("ruff"), "check", ".")
    _run(_bin("ruff"), "format", "--check", ".")
    return _run(_bin("python"), "-m", "pytest", "-q", *pytest_args, check=False)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    try:
        return demo() if argv[0] == "demo" else test(argv[1:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
