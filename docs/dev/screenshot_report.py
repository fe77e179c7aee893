#!/usr/bin/env python3
"""Developer tool (not a test): screenshot report pages with headless Chromium, to look at what people see.

    python docs/dev/screenshot_report.py simfarm-reports/*/report.html [--width 1280] [--height 2400]

Writes ``<page>.png`` beside each page and prints its path; open the PNGs and fix
what is ugly or illegible before a report change lands. Needs Debian's ``chromium``
package (``apt-get install chromium``); as root Chromium needs ``--no-sandbox``.
The page is loaded from a ``file://`` URL; reports are self-contained, so nothing else loads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def screenshot(page: Path, *, width: int, height: int) -> Path:
    """Render ``page`` to ``page.png`` (the first ``height`` pixels at ``width``); its path."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: apt-get install chromium")
    out = page.with_suffix(".png")
    profile = tempfile.mkdtemp(prefix="simfarm-chromium-")
    # No background traffic (this machine's network is closed), a fresh profile, no proxy hole.
    flags = ["--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", f"--screenshot={out}"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")
    try:
        subprocess.run([browser, *flags, page.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    for page in args.pages:
        print(screenshot(page, width=args.width, height=args.height))


if __name__ == "__main__":
    main()
