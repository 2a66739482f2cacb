"""`python3 dev.py bundle`: the offline install for an office PC without internet.

The quick tests check the pieces (platform names, markers judged for the target, the
dependency walk over the wheels' metadata, the .bat's encoding, the deterministic zip).
``test_bundle_installs_offline`` is the slow one (about 30 s): it builds the bundle for this
machine (downloading wheels, so it needs the network; skipped without it unless
GONGJIAN_REQUIRE_TOOLS is set), then, with the network cut off (``unshare -n``), installs it
into a fresh virtual environment and collects April's samples with that install.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
# pip's words when it cannot reach the package index
NO_NETWORK = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ProxyError",
)


def _load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gongjian_dev", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


dev = _load_dev()


def _unavailable(reason: str) -> None:
    """Skip for a missing network or sandbox; fail instead where CI says they must be there."""
    if os.environ.get("GONGJIAN_REQUIRE_TOOLS"):
        pytest.fail(f"{reason} (GONGJIAN_REQUIRE_TOOLS is set)")
    pytest.skip(reason)


def _fake_wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    """A wheel holding only its METADATA: enough for the dependency walk."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(meta) + "\n")
    return path


def test_platform_names() -> None:
    assert dev.resolve_target("win_amd64").windows
    assert dev.resolve_target("manylinux_2_17_x86_64").name == "manylinux2014_x86_64"
    assert "manylinux_2_5_x86_64" in dev.resolve_target("manylinux2014_x86_64").pip_platforms
    assert not dev.resolve_target("macosx_11_0_arm64").windows
    with pytest.raises(dev.BundleError, match="不支持的平台"):
        dev.resolve_target("win32")
    import sysconfig

    if sysconfig.get_platform() == "linux-x86_64":
        assert dev.resolve_target(None).name == "manylinux2014_x86_64"


def test_markers_are_judged_for_the_target_not_this_machine() -> None:
    deps = [
        "click>=8.1",
        'tzdata; sys_platform == "win32"',
        'exceptiongroup; python_version < "3.12"',
    ]
    win = dev.target_environment(dev.TARGETS["win_amd64"], "3.11")
    linux = dev.target_environment(dev.TARGETS["manylinux2014_x86_64"], "3.12")
    assert dev.wanted_requirements(deps, win) == ["click>=8.1", "tzdata", "exceptiongroup"]
    assert dev.wanted_requirements(deps, linux) == ["click>=8.1"]


def test_dependency_walk_finds_what_pip_left_out(tmp_path: Path) -> None:
    wheels = [
        _fake_wheel(tmp_path, "gongjian", "1.0", ["click>=8", "rich[jupyter]>=13"]),
        _fake_wheel(tmp_path, "click", "8.1.7", ['colorama; platform_system == "Windows"']),
        _fake_wheel(tmp_path, "rich", "13.0", ['ipywidgets>=7; extra == "jupyter"', "pygments"]),
        _fake_wheel(tmp_path, "pygments", "2.0", []),
    ]
    win = dev.target_environment(dev.TARGETS["win_amd64"], "3.12")
    linux = dev.target_environment(dev.TARGETS["manylinux2014_x86_64"], "3.12")
    roots = ["gongjian==1.0"]
    assert dev.missing_requirements(wheels, roots, win) == ["colorama", "ipywidgets>=7"]
    assert dev.missing_requirements(wheels, roots, linux) == ["ipywidgets>=7"]
    assert dev.missing_requirements(wheels[:2], ["click"], linux) == []
    with pytest.raises(dev.BundleError, match="不满足"):
        dev.missing_requirements(wheels, ["click>=9"], linux)


def test_install_bat_is_gbk_with_crlf() -> None:
    data = dev.install_bat("1.2.3")
    text = data.decode("gbk")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[:2] == ["@echo off", "chcp 936 >nul"]
    assert "%PY% -m pip install --upgrade --no-index --find-links wheels gongjian" in lines
    assert 'if not errorlevel 1 set "PY=py -3.12"' in lines
    assert "安装完成" in text


def test_instructions_say_what_the_clerk_does() -> None:
    text = dev.instructions("1.2.3", dev.TARGETS["win_amd64"])
    for needed in ("3.11 或 3.12", "python.org", "Add python.exe to PATH", "安装.bat"):
        assert needed in text
    for needed in ("gongjian --version", "-m venv", "升级", "--upgrade --no-index"):
        assert needed in text
    assert "install.sh" in dev.instructions("1.2.3", dev.TARGETS["macosx_11_0_arm64"])


def test_zip_is_deterministic(tmp_path: Path) -> None:
    wheel = tmp_path / "a-1.0-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    files = {
        "wheels/a-1.0-py3-none-any.whl": wheel,
        "install.sh": b"#!/bin/sh\n",
        "安装说明.txt": b"x",
    }
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    dev.write_zip(first, "top", files)
    os.utime(wheel, (1_000_000_000, 1_000_000_000))
    dev.write_zip(second, "top", dict(reversed(files.items())))
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        names = zf.namelist()
        assert names == sorted(names) == [f"top/{n}" for n in sorted(files)]
        assert zf.getinfo("top/install.sh").external_attr >> 16 == 0o100755


def _offline_prefix() -> list[str]:
    """The command that runs a program with no network: ``unshare -n`` (root) or
    ``unshare -rn`` (an unprivileged user namespace)."""
    if not shutil.which("unshare"):
        _unavailable("unshare is not installed: cannot cut the network off for the install")
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
            return prefix
    _unavailable("unshare -n / -rn not permitted here: cannot cut the network off")
    raise AssertionError  # not reached


def _offline_env() -> dict[str, str]:
    """This environment without pip's configuration (no extra index or wheel folder of this
    machine can help the install: only the bundle's wheels, as on the office PC)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "GONGJIAN_DB", "GONGJIAN_NAMES"):
        env.pop(name, None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def test_bundle_installs_offline(tmp_path: Path) -> None:
    from importlib.metadata import version as installed_version

    offline = _offline_prefix()
    version = installed_version("gongjian")
    platform = dev.current_platform()
    try:
        built = subprocess.run(
            [sys.executable, ROOT / "dev.py", "bundle", "--out", tmp_path / "dist"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        _unavailable("downloading the wheels timed out (no network?)")
    output = built.stdout + built.stderr
    if built.returncode and any(word in output for word in NO_NETWORK):
        _unavailable(f"no network to download the wheels:\n{output[-2000:]}")
    assert built.returncode == 0, output[-4000:]

    stem = f"gongjian-{version}-offline-{platform}"
    bundle = tmp_path / "dist" / f"{stem}.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert zf.getinfo(f"{stem}/install.sh").external_attr >> 16 == 0o100755
        zf.extractall(tmp_path)
    folder = tmp_path / stem
    wheels = sorted(p.name for p in (folder / "wheels").glob("*.whl"))
    assert f"gongjian-{version}-py3-none-any.whl" in wheels
    for cp in ("cp311", "cp312"):  # compiled dependencies (python-calamine) for both Pythons
        assert any(f"-{cp}-{cp}-" in w for w in wheels), wheels
    assert (folder / "安装说明.txt").read_bytes().startswith(b"\xef\xbb\xbf")

    env = _offline_env()
    venv_dir = tmp_path / "venv"
    venv_python = venv_dir / "bin" / "python"

    def run(*args: str | Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*offline, *map(str, args)], cwd=tmp_path, env={**env, **extra},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    made = run(sys.executable, "-m", "venv", venv_dir)
    assert made.returncode == 0, made.stderr
    installed = run("sh", folder / "install.sh", PYTHON=str(venv_python))
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert f"gongjian, version {version}" in installed.stdout

    where = run(venv_python, "-c", "import gongjian_cli; print(gongjian_cli.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(venv_dir), where.stdout + where.stderr
    shown = run(venv_dir / "bin" / "gongjian", "--version")
    assert shown.returncode == 0 and f"version {version}" in shown.stdout, shown

    shutil.copytree(ROOT / "samples" / "inbox" / "2020-04", tmp_path / "inbox")
    ledger = tmp_path / "ledger.db"
    collected = run(
        venv_dir / "bin" / "gongjian", "--db", ledger, "collect", tmp_path / "inbox",
        "--feedback", tmp_path / "feedback",
    )  # fmt: skip
    assert collected.returncode in (0, 1), collected.stdout + collected.stderr
    with sqlite3.connect(ledger) as conn:
        (count,) = conn.execute("SELECT count(*) FROM submissions").fetchone()
    assert count > 0
