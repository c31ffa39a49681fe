#!/usr/bin/env python3
"""Vendor the web front-end libraries from npm into src/cthub/web/static/vendor/ (and axe-core for the tests).

Why: the site must load nothing from a CDN (strict CSP, offline archives) and `pip install` must not need npm, so
the minified files are built here once and committed. Versions are pinned in package.json / package-lock.json.

    python scripts/build_web_assets.py            # npm ci, then copy
    python scripts/build_web_assets.py --no-install   # copy from an existing node_modules/
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE = REPO / "node_modules"
VENDOR = REPO / "src" / "cthub" / "web" / "static" / "vendor"
TEST_VENDOR = REPO / "tests" / "web"

# (package, file inside the package, name in vendor/)
FILES = [
    ("vega", "build/vega.min.js", "vega.min.js"),
    ("vega-lite", "build/vega-lite.min.js", "vega-lite.min.js"),
    ("vega-embed", "build/vega-embed.min.js", "vega-embed.min.js"),
    ("topojson-client", "dist/topojson-client.min.js", "topojson-client.min.js"),
    ("world-atlas", "countries-110m.json", "countries-110m.json"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui.css"),
]
LICENSES = ["vega", "vega-lite", "vega-embed", "vega-interpreter", "topojson-client", "world-atlas",
            "swagger-ui-dist", "axe-core"]


def interpreter_as_global(src: str) -> str:
    """vega-interpreter ships only as an ES module importing vega-util; vega's UMD build re-exports vega-util, so
    wrap it as a classic script that defines `window.vegaInterpreter` (the object vega-embed's `expr` option takes)."""
    lines = src.splitlines()
    imports = [ln for ln in lines if ln.startswith("import ")]
    exports = [ln for ln in lines if ln.startswith("export ")]
    if len(imports) != 1 or "from 'vega-util'" not in imports[0] or len(exports) != 1:
        sys.exit("vega-interpreter's module layout changed; update interpreter_as_global() in this script")
    names = imports[0].split("{", 1)[1].split("}", 1)[0]
    exported = exports[0].split("{", 1)[1].split("}", 1)[0].split(" as ")[0].strip()
    body = "\n".join(ln for ln in lines if ln not in imports and ln not in exports)
    return (
        "/* vega-interpreter (BSD-3-Clause), wrapped as a classic script by scripts/build_web_assets.py */\n"
        "(function (global) {\n'use strict';\n"
        f"const {{{names}}} = global.vega;\n{body}\n"
        f"global.vegaInterpreter = {exported};\n}})(typeof globalThis !== 'undefined' ? globalThis : this);\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-install", action="store_true", help="skip `npm ci` and copy from node_modules/")
    args = ap.parse_args()
    if not args.no_install:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is not installed; install Node.js (e.g. `apt-get install nodejs npm`) or use --no-install")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=REPO, check=True)
    if not NODE.is_dir():
        sys.exit(f"{NODE} is missing; run without --no-install so `npm ci` creates it")
    VENDOR.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for pkg, rel, name in FILES:
        src = NODE / pkg / rel
        shutil.copyfile(src, VENDOR / name)
        manifest[name] = pkg
    interp = (NODE / "vega-interpreter" / "build" / "vega-interpreter.js").read_text(encoding="utf-8")
    (VENDOR / "vega-interpreter.js").write_text(interpreter_as_global(interp), encoding="utf-8")
    manifest["vega-interpreter.js"] = "vega-interpreter"
    # axe-core is only for the accessibility tests, so it goes next to them, not into the package
    shutil.copyfile(NODE / "axe-core" / "axe.min.js", TEST_VENDOR / "axe.min.js")
    versions = {}
    for pkg in LICENSES:
        meta = json.loads((NODE / pkg / "package.json").read_text(encoding="utf-8"))
        versions[pkg] = meta["version"]
        lic = next((p for p in (NODE / pkg).iterdir() if p.name.upper().startswith("LICENSE")), None)
        if lic is not None and pkg != "axe-core":
            shutil.copyfile(lic, VENDOR / f"LICENSE.{pkg}.txt")
    out = {
        "versions": versions,
        "files": {
            name: {"package": pkg, "sha256": hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()}
            for name, pkg in sorted(manifest.items())
        },
    }
    (VENDOR / "manifest.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for name in sorted(manifest):
        print(f"{(VENDOR / name).stat().st_size:>10,}  {name}")


if __name__ == "__main__":
    main()
