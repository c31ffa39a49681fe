"""Remake the screenshots in docs/img/ at desktop (1366 px) and phone (390 px) width.

    python docs/img/shoot.py --home ./demo-hub     # a hub with a published release, e.g. from `cthub demo --no-serve`
    python docs/img/shoot.py                       # without --home: the web tests' release, written to a temp folder

The pages are served by the real app (uvicorn on a free loopback port) and captured with Playwright in Debian's
Chromium (`/usr/bin/chromium`, `make browser`), as the browser tests run them. Only published releases are shown,
so a screenshot never carries anything the public site would not.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = {"": (1366, 900), "-phone": (390, 844)}

#: file stem -> (path, selector that says the page is drawn, full page?, what a phone shot starts at)
SHOTS: dict[str, tuple[str, str | None, bool, str | None]] = {
    "overview": ("/", None, False, None),
    "dashboards": ("/dashboards/", "#charts .chart svg", False, "#filter-status"),
    "map": ("/map/", "#map[data-ready=true] svg", True, None),
    "explorer": ("/explorer/", "#charts .chart svg", False, "#explorer-status"),
    "downloads": ("/downloads/", None, False, "section.release"),
    "api": ("/api/docs", "#swagger .info", False, None),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(home: Path) -> tuple[str, object]:
    import uvicorn

    from cthub.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(home=home), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the web app did not start within 30 s")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def _test_release() -> Path:
    sys.path.insert(0, str(REPO))
    from tests.web.release_fixture import write_release

    home = Path(tempfile.mkdtemp(prefix="cthub-shots-"))
    write_release(home)
    return home


def shoot(home: Path, out: Path, only: list[str] | None = None) -> list[Path]:
    """Capture every page of `SHOTS` (or `only`) at both widths into `out`; returns the files written."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    base, server = _serve(home)
    written: list[Path] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            for suffix, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height},
                                              is_mobile=bool(suffix), device_scale_factor=1)
                page = context.new_page()
                for stem, (path, ready, full, focus) in SHOTS.items():
                    if only and stem not in only:
                        continue
                    page.goto(base + path)
                    if ready:
                        page.wait_for_selector(ready, timeout=30000)
                    page.wait_for_load_state("networkidle")
                    if suffix and focus and page.locator(focus).count():  # a phone shows the charts, not the lede
                        page.locator(focus).first.evaluate("el => el.scrollIntoView({block: 'start'})")
                    page.wait_for_timeout(400)  # let the charts finish their transitions
                    target = out / f"{stem}{suffix}.png"
                    page.screenshot(path=str(target), full_page=full)
                    written.append(target)
                context.close()
            browser.close()
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="hub folder with a published release (default: the test release)")
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go (default: docs/img)")
    parser.add_argument("--only", nargs="*", choices=sorted(SHOTS), help="only these pages")
    args = parser.parse_args(argv)
    home = args.home.resolve() if args.home else _test_release()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in shoot(home, args.out, args.only):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
