#!/usr/bin/env python3
"""Newcomer entry points, portable (Windows/Linux): `python dev.py demo`, `python dev.py test`
and `python dev.py bundle [--platform TAG] [--out DIR]`.

demo: create .venv, install gongjian, run the whole monthly loop on samples/ into demo/.
test: create .venv, install gongjian with its test extras (and, on Debian as root, the
LibreOffice and Chromium the round-trip and browser tests use), run ruff and pytest.
bundle: build dist/gongjian-<version>-offline-<platform>.zip, an install that needs no
network (for an office PC without internet): gongjian's wheel and every runtime dependency
as wheels for that platform and Python 3.11 and 3.12, an install script and instructions.
Platforms: win_amd64, manylinux2014_x86_64 (or manylinux_2_17_x86_64), macosx_11_0_arm64;
the default is the current one. Building downloads the wheels, so it needs the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# Calc and Writer: templates and feedback round trips, and the Word 通报 to PDF
DEBIAN_PACKAGES = [
    "libreoffice-calc-nogui",
    "libreoffice-writer-nogui",
    "chromium",
    "poppler-utils",
    "fonts-noto-cjk",
]


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


def _missing_debian_packages() -> list[str]:
    """The DEBIAN_PACKAGES dpkg does not list as installed (soffice alone does not say
    whether Writer is there)."""
    missing = []
    for package in DEBIAN_PACKAGES:
        status = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
        if "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


def ensure_system_tools() -> None:
    """On Debian as root, install LibreOffice (Calc, Writer) and Chromium when missing
    (best effort)."""
    if os.name == "nt" or not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        if not (shutil.which("soffice") and shutil.which("chromium")):
            print("未安装 LibreOffice/Chromium：相关测试将跳过。", flush=True)
        return
    missing = _missing_debian_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"缺少 {' '.join(missing)}：相关测试将跳过。", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env)


def demo() -> int:
    ensure_venv()
    return _run(_bin("python"), ROOT / "samples" / "demo.py", ROOT / "demo", check=False)


def test(pytest_args: list[str]) -> int:
    ensure_venv("test")
    ensure_system_tools()
    _run(_bin("ruff"), "check", ".")
    _run(_bin("ruff"), "format", "--check", ".")
    return _run(_bin("python"), "-m", "pytest", "-q", *pytest_args, check=False)


# ---------------------------------------------------------------------------------------------
# bundle: an offline install (wheels + install script + instructions) for a PC without internet

BUNDLE_PYTHONS = ("3.11", "3.12")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same inputs give the same zip
NETWORK_HINT = "下载依赖需要联网（能访问 Python 包索引，或 pip 配置的镜像）。"


class BundleError(Exception):
    """A bundle cannot be built; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A platform an offline bundle is built for.

    ``pip_platforms`` are the ``--platform`` tags pip may take wheels for (pip does not widen
    a perennial manylinux tag by itself, so the older ones are listed); ``markers`` are the
    PEP 508 environment values of that platform, because pip evaluates the markers of the
    dependencies against the machine it runs on, not the target (a Windows bundle built on
    Linux would miss click's ``colorama; platform_system == "Windows"``).
    """

    name: str
    label: str
    pip_platforms: tuple[str, ...]
    markers: dict[str, str]

    @property
    def windows(self) -> bool:
        return self.markers["os_name"] == "nt"


def _manylinux(arch: str) -> tuple[str, ...]:
    perennial = tuple(f"manylinux_2_{minor}_{arch}" for minor in range(17, 4, -1))
    return (f"manylinux2014_{arch}", *perennial, f"manylinux2010_{arch}", f"manylinux1_{arch}")


TARGETS = {
    "win_amd64": Target(
        "win_amd64",
        "Windows 64 位",
        ("win_amd64",),
        {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
         "platform_machine": "AMD64"},
    ),
    "manylinux2014_x86_64": Target(
        "manylinux2014_x86_64",
        "Linux x86_64（glibc 2.17 及以上）",
        _manylinux("x86_64"),
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
         "platform_machine": "x86_64"},
    ),
    "macosx_11_0_arm64": Target(
        "macosx_11_0_arm64",
        "macOS 11 及以上（Apple 芯片）",
        ("macosx_11_0_arm64",),
        {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
         "platform_machine": "arm64"},
    ),
}  # fmt: skip
PLATFORM_ALIASES = {"manylinux_2_17_x86_64": "manylinux2014_x86_64"}


def current_platform() -> str:
    """The bundle platform of this machine, from ``sysconfig.get_platform()``.

    Linux maps to manylinux2014 (what wheels for any glibc ≥ 2.17 use), so a bundle built
    here also installs on older office machines of the same kind.
    """
    import platform
    import sysconfig

    plat = sysconfig.get_platform()
    if plat == "win-amd64":
        return "win_amd64"
    if plat == "linux-x86_64":
        return "manylinux2014_x86_64"
    if plat.startswith("macosx-") and platform.machine() == "arm64":
        return "macosx_11_0_arm64"
    raise BundleError(
        f"本机平台 {plat} 没有对应的离线包，请用 --platform 指定：{', '.join(TARGETS)}"
    )


def resolve_target(name: str | None) -> Target:
    """The target for a platform name (an alias allowed); the current platform when ``None``."""
    key = current_platform() if name is None else PLATFORM_ALIASES.get(name, name)
    if key not in TARGETS:
        known = ", ".join([*TARGETS, *PLATFORM_ALIASES])
        raise BundleError(f"不支持的平台 {name}；可用：{known}")
    return TARGETS[key]


def target_environment(target: Target, python: str) -> dict[str, str]:
    """PEP 508 marker values for CPython ``python`` ("3.12") on ``target``."""
    return {
        **target.markers,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "platform_python_implementation": "CPython",
    }


def _packaging() -> tuple[Any, Any]:
    """``Requirement`` and ``canonicalize_name`` from packaging, or the copy pip vendors
    (always there where pip is), so building a bundle needs nothing installed beyond pip."""
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name
    return Requirement, canonicalize_name


def _bare(req: Any) -> str:
    """A requirement as pip takes it on the command line, without its marker."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def wanted_requirements(dependencies: list[str], env: dict[str, str]) -> list[str]:
    """The project's dependencies that apply in ``env`` (markers evaluated for the target,
    e.g. ``tzdata; sys_platform == "win32"`` only for Windows), without their markers."""
    requirement, _ = _packaging()
    wanted = []
    for line in dependencies:
        req = requirement(line)
        if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
            wanted.append(_bare(req))
    return wanted


def project_metadata() -> tuple[str, list[str]]:
    """gongjian's version and runtime dependencies, read from pyproject.toml at build time."""
    try:
        import tomllib
    except ImportError as exc:  # Python < 3.11
        raise BundleError("打离线包需要 Python ≥ 3.11。") from exc
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["version"], list(project.get("dependencies", []))


def wheel_metadata(path: Path) -> tuple[str, str, list[str]]:
    """Name, version and ``Requires-Dist`` lines of a wheel, from its METADATA."""
    from email.parser import HeaderParser

    with zipfile.ZipFile(path) as zf:
        meta = next(
            n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        )
        msg = HeaderParser().parsestr(zf.read(meta).decode("utf-8"))
    return msg["Name"], msg["Version"], msg.get_all("Requires-Dist") or []


def missing_requirements(wheels: list[Path], roots: list[str], env: dict[str, str]) -> list[str]:
    """Requirements reachable from ``roots`` in ``env`` that none of ``wheels`` provides.

    Walks the dependency graph through the wheels' own metadata with the target's markers
    (and the extras asked for), since pip, resolving on this machine, judged them by this
    machine. A wheel whose version a requirement excludes is an error: pip would refuse it
    on the office PC.
    """
    requirement, canonical = _packaging()
    have: dict[str, tuple[str, list[str], str]] = {}
    for path in wheels:
        name, version, requires = wheel_metadata(path)
        have[canonical(name)] = (version, requires, path.name)
    missing: dict[str, str] = {}
    done: set[tuple[str, str]] = set()
    queue = [requirement(r) for r in roots]
    while queue:
        req = queue.pop()
        key = canonical(req.name)
        if key not in have:
            missing.setdefault(key, _bare(req))
            continue
        version, requires, filename = have[key]
        if not req.specifier.contains(version, prereleases=True):
            raise BundleError(f"{filename} 不满足 {req}：下载到的版本互相冲突。")
        for extra in ("", *sorted(req.extras)):
            if (key, extra) in done:
                continue
            done.add((key, extra))
            for line in requires:
                dep = requirement(line)
                if dep.marker is None or dep.marker.evaluate({**env, "extra": extra}):
                    queue.append(dep)
    return sorted(missing.values())


def _pip(python: Path | str, *args: str | Path) -> None:
    """Run pip quietly; a failure becomes a BundleError (pip has printed why)."""
    code = _run(python, "-m", "pip", "--disable-pip-version-check", *args, check=False)
    if code:
        raise BundleError(f"pip 失败（退出码 {code}），原因见上面 pip 的输出。{NETWORK_HINT}")


def download_wheels(
    python: Path | str, target: Target, py: str, gongjian: Path, requirements: list[str], dest: Path
) -> list[Path]:
    """Every wheel gongjian needs on ``target`` under CPython ``py``, downloaded into
    ``dest``: pip resolves ``requirements``, then whatever the target's markers add (and
    pip, judging them by this machine, left out) is fetched until nothing is missing."""
    env = target_environment(target, py)
    platforms = [a for p in target.pip_platforms for a in ("--platform", p)]
    abi = "cp" + py.replace(".", "")
    _, version, _ = wheel_metadata(gongjian)
    todo = requirements
    for _ in range(5):
        if todo:
            _pip(
                python, "download", "--quiet", "--only-binary=:all:", *platforms,
                "--python-version", py, "--implementation", "cp", "--abi", abi,
                "-d", dest, *todo,
            )  # fmt: skip
        wheels = sorted(dest.glob("*.whl"))
        todo = missing_requirements([gongjian, *wheels], [f"gongjian=={version}"], env)
        if not todo:
            return wheels
        print(f"按目标平台补充下载：{', '.join(todo)}", flush=True)
    raise BundleError(f"Python {py} 的依赖补不齐：{', '.join(todo)}")


def install_bat(version: str) -> bytes:
    """安装.bat: GBK with CRLF and ``chcp 936``, so cmd reads its Chinese as written.

    It prefers ``py -3.12``/``py -3.11`` (the wheels are for those two; a bare ``py -3``
    could pick a newer Python they do not fit), then a ``python`` of either version.
    """
    lines = [
        "@echo off",
        "chcp 936 >nul",
        "setlocal",
        'cd /d "%~dp0"',
        f"title 安装 gongjian {version}",
        f"echo 正在安装 gongjian {version}（离线安装，不需要联网）……",
        "echo.",
        'set "PY="',
        'py -3.12 -c "pass" >nul 2>nul',
        'if not errorlevel 1 set "PY=py -3.12"',
        "if defined PY goto found",
        'py -3.11 -c "pass" >nul 2>nul',
        'if not errorlevel 1 set "PY=py -3.11"',
        "if defined PY goto found",
        'python -c "import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])" >nul 2>nul',
        'if not errorlevel 1 set "PY=python"',
        "if defined PY goto found",
        "echo 没有找到 Python 3.11 或 3.12。",
        "echo 请先安装 Python（见“安装说明.txt”），安装时勾选“Add python.exe to PATH”，再运行本文件。",
        "goto fail",
        "",
        ":found",
        "echo 使用 %PY% 安装。",
        "%PY% -m pip install --upgrade --no-index --find-links wheels gongjian",
        "if errorlevel 1 goto fail",
        "echo.",
        "%PY% -m gongjian_cli --version",
        "if errorlevel 1 goto fail",
        "echo.",
        "echo 安装完成。打开命令提示符，输入 gongjian --help 查看用法。",
        "pause",
        "exit /b 0",
        "",
        ":fail",
        "echo.",
        "echo 安装没有成功。请把这个窗口截图发给维护人员。",
        "pause",
        "exit /b 1",
    ]
    return "\r\n".join([*lines, ""]).encode("gbk")


def install_sh(version: str) -> str:
    """install.sh for Linux/macOS: the first python3.12/python3.11/python3 of a fitting
    version, or the one named by ``PYTHON`` (e.g. a virtual environment's)."""
    return f"""#!/bin/sh
# gongjian {version} 离线安装（不需要联网）。用法：sh install.sh
# 装到虚拟环境：PYTHON=虚拟环境/bin/python sh install.sh
set -e
cd "$(dirname "$0")"
fits() {{
  "$1" -c 'import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])' 2>/dev/null
}}
PY="${{PYTHON:-}}"
if [ -z "$PY" ]; then
  for c in python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && fits "$c"; then PY="$c"; break; fi
  done
fi
if [ -z "$PY" ] || ! fits "$PY"; then
  echo "没有找到 Python 3.11 或 3.12，请先安装（见 安装说明.txt）。" >&2
  exit 1
fi
echo "正在安装 gongjian {version}（离线安装，不需要联网），使用 $PY ……"
"$PY" -m pip install --upgrade --no-index --find-links wheels gongjian
"$PY" -m gongjian_cli --version
echo "安装完成。输入 gongjian --help 查看用法。"
"""


def instructions(version: str, target: Target) -> str:
    """安装说明.txt: what the clerk does, in order (Python first, then the script, then a check),
    plus a virtual environment and upgrading."""
    if target.windows:
        return f"""gongjian {version} 离线安装包（{target.label}）

这台电脑不需要联网：gongjian 和它用到的全部程序库都在 wheels 文件夹里。

一、先装 Python（已装有 Python 3.11 或 3.12 的跳过）
  需要 Python 3.11 或 3.12（64 位）。在能上网的电脑上从 Python 官网 python.org 下载
  “Windows installer (64-bit)”，拷到这台电脑上运行；安装的第一页务必勾选
  “Add python.exe to PATH”，再点“Install Now”。

二、安装 gongjian
  1. 把压缩包解压到任意文件夹（右键 → 全部解压缩）。
  2. 双击解压出的“安装.bat”。窗口最后显示“安装完成”和版本号即成功，按任意键关闭。
  3. 打开命令提示符（开始菜单里搜索 cmd），输入
       gongjian --version
     显示 gongjian, version {version} 就可以用了。
  提示“'gongjian' 不是内部或外部命令”：多半是装 Python 时没勾选“Add python.exe to PATH”。
  重新运行 Python 安装程序选 Modify 补上，或者用 py -m gongjian_cli 代替 gongjian
  （例如 py -m gongjian_cli --version）。

三、装到虚拟环境（可选：与这台电脑上的其他 Python 程序互不影响）
  在解压出的文件夹里打开命令提示符（地址栏输入 cmd 回车），依次运行：
    py -3.12 -m venv C:\\gongjian
    C:\\gongjian\\Scripts\\python -m pip install --no-index --find-links wheels gongjian
  以后运行 C:\\gongjian\\Scripts\\gongjian（或先运行 C:\\gongjian\\Scripts\\activate，再用 gongjian）。
  装的是 Python 3.11 的，把 -3.12 换成 -3.11。

四、升级
  拿到新版本的离线安装包，解压后照样双击“安装.bat”，旧版本会被替换；
  账本（gongjian.db）和各月的文件不在安装目录里，不受影响。
  装在虚拟环境里的，在新包解压出的文件夹里运行：
    C:\\gongjian\\Scripts\\python -m pip install --upgrade --no-index --find-links wheels gongjian

包里有：安装.bat（安装脚本）、wheels（gongjian {version} 和全部依赖，Python 3.11、3.12 都能用）、本说明。
"""
    return f"""gongjian {version} 离线安装包（{target.label}）

这台电脑不需要联网：gongjian 和它用到的全部程序库都在 wheels 文件夹里。

一、先装 Python（已装有 Python 3.11 或 3.12 的跳过）
  需要 Python 3.11 或 3.12。macOS 用 Python 官网 python.org 的安装程序；
  Linux 用系统自带的 python3（带 venv 模块），版本不对时请管理员安装。

二、安装 gongjian
  1. 解压：unzip 压缩包文件名
  2. 进入解压出的文件夹，运行：sh install.sh
     最后显示“安装完成”和版本号即成功。
  3. 运行 gongjian --version，显示 gongjian, version {version} 就可以用了。
  提示 externally-managed-environment（系统的 Python 不让直接装）时，按下面装到虚拟环境。

三、装到虚拟环境（可选：与系统的 Python 互不影响）
    python3 -m venv ~/gongjian
    PYTHON=~/gongjian/bin/python sh install.sh
  以后运行 ~/gongjian/bin/gongjian（或先 . ~/gongjian/bin/activate，再用 gongjian）。

四、升级
  拿到新版本的离线安装包，解压后照样运行 sh install.sh（装在虚拟环境里的加上同样的 PYTHON=…），
  旧版本会被替换；账本（gongjian.db）和各月的文件不在安装目录里，不受影响。

包里有：install.sh（安装脚本）、wheels（gongjian {version} 和全部依赖，Python 3.11、3.12 都能用）、本说明。
"""


def write_zip(path: Path, top: str, files: dict[str, bytes | Path]) -> None:
    """A zip of ``files`` (name inside ``top/`` → content or file) written deterministically:
    sorted entries, fixed times and modes, so the same inputs give the same bytes.
    Shell scripts are executable; wheels are stored (already compressed)."""
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(files):
            content = files[name]
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=ZIP_TIME)
            info.create_system = 3  # Unix: the modes below are honoured by unzip
            info.external_attr = (0o100755 if name.endswith(".sh") else 0o100644) << 16
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".whl") else zipfile.ZIP_DEFLATED
            )
            zf.writestr(info, data)
    tmp.replace(path)


def build_bundle(platform: str | None, out: Path, python: Path | str = sys.executable) -> Path:
    """Build the offline bundle for ``platform`` (None: this machine's) into ``out``.

    gongjian's wheel from this tree (``pip wheel --no-deps``), the dependencies of
    pyproject.toml as wheels for the platform and CPython 3.11 and 3.12, the install script
    and 安装说明.txt (UTF-8 with BOM, so Notepad shows it), zipped. Needs the network.
    """
    import tempfile

    target = resolve_target(platform)
    _, dependencies = project_metadata()
    with tempfile.TemporaryDirectory(prefix="gongjian-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        _pip(python, "wheel", "--quiet", "--no-deps", "-w", tmp / "own", ROOT)
        (gongjian,) = (tmp / "own").glob("gongjian-*.whl")
        _, version, _ = wheel_metadata(gongjian)
        wheels: dict[str, Path] = {gongjian.name: gongjian}
        for py in BUNDLE_PYTHONS:
            wanted = wanted_requirements(dependencies, target_environment(target, py))
            dest = tmp / f"py{py}"
            for wheel in download_wheels(python, target, py, gongjian, wanted, dest):
                wheels.setdefault(wheel.name, wheel)
        files: dict[str, bytes | Path] = {f"wheels/{n}": p for n, p in wheels.items()}
        if target.windows:
            files["安装.bat"] = install_bat(version)
        else:
            files["install.sh"] = install_sh(version).encode("utf-8")
        files["安装说明.txt"] = (
            instructions(version, target).replace("\n", "\r\n").encode("utf-8-sig")
        )
        out.mkdir(parents=True, exist_ok=True)
        stem = f"gongjian-{version}-offline-{target.name}"
        path = out / f"{stem}.zip"
        write_zip(path, stem, files)
    size = path.stat().st_size / 1024 / 1024
    print(f"离线安装包：{path}（{size:.1f} MB，{len(wheels)} 个 wheel）", flush=True)
    return path


def bundle(argv: list[str]) -> int:
    """`dev.py bundle`: parse the options, make sure pip is at hand, build the bundle."""
    import argparse
    import importlib.util

    parser = argparse.ArgumentParser(prog="dev.py bundle", description="打离线安装包（需要联网）")
    parser.add_argument("--platform", help=f"目标平台：{', '.join(TARGETS)}（默认本机）")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="输出目录（默认 dist/）")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("pip") is None:  # e.g. Debian's python3 without python3-pip
        if not _bin("python").exists():
            venv.create(VENV, with_pip=True)
        return _run(_bin("python"), Path(__file__).resolve(), "bundle", *argv, check=False)
    try:
        build_bundle(args.platform, args.out.resolve())
    except BundleError as exc:
        print(f"打离线包失败：{exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "bundle"}:
        print(__doc__)
        return 2
    if argv[0] == "bundle":
        return bundle(argv[1:])
    try:
        return demo() if argv[0] == "demo" else test(argv[1:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
