"""Server-rendered pages: content, CSP-safe markup, the static site, and the CLI."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cthub.cli import app as cli_app
from cthub.web.app import create_app
from tests.web.release_fixture import write_release

PAGES = ["/", "/dashboards/", "/map/", "/explorer/", "/codebook/", "/codebook/victims/", "/downloads/",
         "/downloads/terms", "/protection/", "/api/docs"]
WEB = Path(__file__).resolve().parents[2] / "src" / "cthub" / "web"


class ScriptAudit(HTMLParser):
    """Collects inline scripts, inline event handlers and external URLs in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self.external: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        for k in ("src", "href"):
            v = a.get(k) or ""
            if re.match(r"^(https?:)?//", v) and tag in ("script", "link", "img"):
                self.external.append(v)
        self._in_script = tag == "script"
        if tag == "script" and not a.get("src"):
            self.inline.append("<script> without src")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data.strip()[:40])


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_csp_and_no_inline_script(client, path):
    r = client.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    audit = ScriptAudit()
    audit.feed(r.text)
    assert audit.inline == [] and audit.handlers == [] and audit.external == []
    assert "{% block" not in r.text


def test_overview_states_privacy_and_limits(client, web_home):
    from cthub.release.reader import latest_published
    from cthub.web.protection import about

    statement = latest_published(web_home).privacy
    text = client.get("/").text
    assert f"ε = {statement['composed']['epsilon']:.2f}</strong>, δ = 10⁻⁶" in text
    assert "k = " not in text  # a dp release publishes no k-anonymized file
    assert "not</strong> a measure of how common trafficking is" in text
    noisy = statement["tables"]["victims"]["records"]["value"]
    assert f"about {about(noisy)}" in text and "a differentially private count" in text
    assert f"{noisy:,}" not in text or about(noisy) == f"{noisy:,}"  # shown rounded, as an estimate
    assert 'href="/protection/"' in text


def test_codebook_page_lists_every_variable(client):
    from cthub.standard import load_standard

    text = client.get("/codebook/victims/").text
    for name in load_standard().table("victims").columns:
        assert f'id="var-{name}"' in text
    assert client.get("/codebook/nope/").status_code == 404


def test_static_assets_are_vendored_not_cdn(client):
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "vega-interpreter.js", "topojson-client.min.js"):
        r = client.get(f"/static/vendor/{name}")
        assert r.status_code == 200 and len(r.content) > 1000
    assert "global.vegaInterpreter" in client.get("/static/vendor/vega-interpreter.js").text


def test_nothing_published_shows_how_to_publish(tmp_path):
    from fastapi.testclient import TestClient

    home = tmp_path / "hub"
    write_release(home, n=800, publish=False)
    with TestClient(create_app(home=home)) as c:
        assert "Nothing published yet" in c.get("/explorer/").text
        assert c.get("/api/releases").json() == []
        assert c.get("/api/releases/2026.11.22").status_code == 404  # drafts are never served
    with TestClient(create_app(home=home, release=home / "releases" / "2026.11.22")) as c:
        assert c.get("/api/releases/2026.11.22").status_code == 200  # unless asked for by folder


# The web modules that may reach the store, each for a named reason; every other web module (the public site above
# all) reads releases only. A new module that needs the store is added here, with its reason, in review.
STORE_USERS = {
    "accounts/settings.py": "opens the hub's store once for the account routes",
    "accounts/users.py": "the accounts service (users, passwords, tokens) over the store",
    "accounts/ingest_worker.py": "uploads go through the ingest service in a child process",
    "accounts/admin.py": "catches UnknownBatch for a batch id that does not exist (a 404)",
    "accounts/contributor.py": "catches UnknownBatch for a batch id that does not exist (a 404)",
    "user_commands.py": "`cthub user`/`token` open the hub's store for the accounts service",
}


def _imports_store(py: Path) -> bool:
    for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        if any(n == "cthub.store" or n.startswith("cthub.store.") for n in names):
            return True
    return False


def test_public_web_never_imports_the_store():
    """DESIGN.md: the public site reads releases, never the store; only the named account modules may."""
    using = {py.relative_to(WEB).as_posix() for py in WEB.rglob("*.py") if _imports_store(py)}
    assert using - set(STORE_USERS) == set(), "web modules that import the store without a reason in STORE_USERS"
    assert set(STORE_USERS) <= {py.relative_to(WEB).as_posix() for py in WEB.rglob("*.py")}, "stale STORE_USERS"


@pytest.mark.slow
def test_static_site_build(tmp_path):
    from cthub.web.site import SiteError, build_site

    home = tmp_path / "hub"
    write_release(home, n=1500)
    out = tmp_path / "site"
    stats = build_site(out, home=home, progress=False)
    assert stats["files"] > 100
    for rel in ("index.html", "explorer/index.html", "map/index.html", "codebook/victims/index.html", "protection/index.html",
                "api/releases/2026.11.22/privacy", "downloads/2026.11.22/SHA256SUMS",
                "api/geo/world.json", "api/releases/2026.11.22/tables/victims/meta.json",
                "api/releases/2026.11.22/tables/victims/slices/_all.json",
                "downloads/2026.11.22/data/victims_aggregates.csv", "static/vendor/vega.min.js"):
        assert (out / rel).is_file(), rel
    page = (out / "explorer" / "index.html").read_text(encoding="utf-8")
    assert 'href="/' not in page and 'src="/' not in page  # relative links only
    assert 'data-api="../api/releases/2026.11.22/tables/victims/"' in page
    with pytest.raises(SiteError, match="not empty"):
        build_site(out, home=home, progress=False)


def test_cli_help_has_examples():
    runner = CliRunner()
    r = runner.invoke(cli_app, ["serve", "--help"])
    assert r.exit_code == 0 and "cthub serve --home" in r.output
    r = runner.invoke(cli_app, ["site", "build", "--help"])
    assert r.exit_code == 0 and "cthub site build --out" in r.output
