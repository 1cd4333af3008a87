#!/usr/bin/env python3
"""Build the pre-subset CJK fonts for PDFs (app/core/fonts.py) into PDF_FONT_DIR (default instance/fonts), or DIR.

Usage:  .venv/bin/python scripts/build_pdf_fonts.py [DIR]

Run by scripts/setup.sh; quick when they are already up to date (the stamp matches), ~1 min when not.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core import fonts
from config import Config


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Config.PDF_FONT_DIR
    if not all((fonts.SYSTEM_FONTS / f.source).is_file() for f in fonts.FACES):
        print(f"pdf fonts: no Noto CJK in {fonts.SYSTEM_FONTS}; PDFs use whatever fontconfig finds")
        return 0
    started = time.perf_counter()
    built = fonts.build(directory)
    sizes = ", ".join(f"{f.file} {(directory / f.file).stat().st_size / 1e6:.1f} MB" for f in fonts.FACES)
    took = f" in {time.perf_counter() - started:.0f} s" if built else ""
    print(f"pdf fonts: {'built' if built else 'up to date'} in {directory}{took} ({sizes})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
