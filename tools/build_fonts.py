"""Rebuild the portal's web font files in static/fonts/ from the npm package (`make fonts`).

The portal ships IBM Plex Sans Arabic (SIL OFL 1.1; Arabic with IBM Plex Sans as its Latin),
regular and bold, cut by fontTools into two WOFF2 files per weight: the Arabic block and the
Latin the pages use. The CSS declares both under one family with disjoint `unicode-range`s, so
a browser fetches a file only when the page has a character from it. The files are committed:
nothing here runs at install, at `make run` or in the tests, and the portal needs no network.
Run this only to change the package version, the ranges or the weights (decision 141).

Usage: `.venv/bin/python tools/build_fonts.py [--package-dir DIR]`. Without `--package-dir`
the package is fetched with `npm pack` (the registry's integrity check applies); with it, an
already unpacked copy of the package is used.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

PACKAGE = "@fontsource/ibm-plex-sans-arabic"
VERSION = "5.3.0"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "fonts"
WEIGHTS = (400, 700)
#: What each file keeps, by the package's subset it is cut from. The same ranges are the
#: `unicode-range` of its @font-face in static/css/portal.css (tests/test_web_font.py checks).
RANGES = {
    # The whole Arabic block: letters, harakat, Arabic-Indic and Persian digits, ، ؛ ؟ ٪;
    # with the joiners and direction marks. Presentation forms are left out: text never
    # carries them, and the contextual shapes stay reachable through the font's own GSUB.
    "arabic": "U+0600-06FF,U+200C-200F",
    # ASCII, Latin-1 (« » · × é ...), dashes, quotes, bullet, ellipsis, ‹ ›, minus.
    "latin": "U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203A,U+2212",
}


def fetch_package(workdir: Path) -> Path:
    """Download and unpack the npm package; return the unpacked `package/` folder."""
    command = ["npm", "pack", "--loglevel=error", f"{PACKAGE}@{VERSION}"]
    command += ["--pack-destination", str(workdir)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed, no shell
    (tarball,) = workdir.glob("*.tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def cut(source: Path, unicodes: str, target: Path) -> None:
    """Keep only `unicodes` (and the glyphs their shaping reaches) of `source`, as WOFF2.

    Hinting is dropped: it is a third of the bytes, and at the portal's sizes (15 px and up)
    today's rasterisers draw the outlines well without it.
    """
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    font = TTFont(source, recalcTimestamp=False)  # the same bytes from the same package
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(target)


def build(package: Path) -> list[Path]:
    """Write every file and the licence into static/fonts/; return the font files."""
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name, unicodes in RANGES.items():
        for weight in WEIGHTS:
            source = package / "files" / f"ibm-plex-sans-arabic-{name}-{weight}-normal.woff2"
            target = OUT / f"ibm-plex-sans-arabic-{name}-{weight}.woff2"
            cut(source, unicodes, target)
            written.append(target)
    shutil.copyfile(package / "LICENSE", OUT / "OFL.txt")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir", type=Path, help="an unpacked copy of the npm package")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        package = args.package_dir or fetch_package(Path(tmp))
        for path in build(package):
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
