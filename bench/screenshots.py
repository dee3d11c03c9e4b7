"""Screenshots of the web app for the README: the seeds' event page, side by side, at 1400 px and
390 px wide (``docs/screenshots/``).

Ingests ``../shared/seeds`` into a fresh workspace (the real embedder, every stage on), serves it
on a free loopback port as ``rashomon serve`` does (uvicorn in a thread) and opens the largest
event's page in headless Chromium (Debian's ``chromium``, driven by Playwright). The pictures
are of the page as it is served: nothing is staged.

Usage:
    python bench/screenshots.py [--seeds ../shared/seeds] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {"event-1400.png": (1400, 1000), "event-390.png": (390, 1400)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from rashomon.config import load_settings
    from rashomon.pipeline import ingest
    from rashomon.store import Workspace
    from rashomon.web import create_app

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("No Chromium: `apt-get install chromium` (or `make .venv/.chromium`).")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "ws"
        with Workspace(folder) as ws:
            ingest([str(args.seeds)], ws, load_settings(None))
        server = uvicorn.Server(uvicorn.Config(create_app(folder), host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        base = f"http://{host}:{port}"
        try:
            rows = httpx.get(f"{base}/index.json").json()["rows"]
            event_id = max(rows, key=lambda row: row["articles"])["event_id"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
                try:
                    for name, (width, height) in WIDTHS.items():
                        context = browser.new_context(viewport={"width": width, "height": height})
                        page = context.new_page()
                        page.goto(f"{base}/events/{event_id}")
                        page.screenshot(path=str(args.out / name))
                        context.close()
                        print(f"{args.out / name}: {width} px wide, /events/{event_id}")
                finally:
                    browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
