"""LibreOffice from the tests: one conversion helper, a private profile per caller."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def soffice_convert(sources: Sequence[Path], fmt: str, outdir: Path, profile: Path) -> list[Path]:
    """``soffice --headless --convert-to fmt`` of ``sources`` into ``outdir``.

    Always with its own ``-env:UserInstallation`` profile: two soffice processes sharing
    one profile make conversions fail silently. Returns the converted paths (asserted to
    exist), in the order of ``sources``.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    results = [outdir / f"{src.stem}.{fmt.split(':')[0]}" for src in sources]
    for result in results:
        assert result.is_file(), f"soffice did not write {result}: {proc.stdout} {proc.stderr}"
    return results
