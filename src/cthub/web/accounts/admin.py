"""The admin area: contributors and mappings (and adding them and accounts, with the CLI's own checks), store status, batches, releases (run with live progress, read the
public report and the internal evaluation, publish, discard), the privacy-budget ledger and the audit log. Every state
change is audited.

The internal evaluation (`<hub>/evaluations/<version>/`: errors, leakage, distance to closest record, membership
inference, computed against the raw records) is shown only here, to admins, for the review before publishing; no
public route reads that folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from cthub.web.accounts.contributor import REPORT_FILES, report_csv
from cthub.web.accounts.deps import check_csrf, require_admin
from cthub.web.accounts.pages import page, see_other
from cthub.web.accounts.sessions import User, forget

router = APIRouter(prefix="/admin", include_in_schema=False)
VERSION_PATTERN = r"^\d{4}\.\d{2}\.\d{2}(\.\d+)?$"


def _store(request: Request) -> Any:
    return request.app.state.accounts.store()


def _budget(request: Request) -> dict[str, Any]:
    from cthub.privacy.accounting import epsilon_from_rho, rho_from_epsilon

    b = request.app.state.config.release.budget
    spent = _store(request).ledger_spent_rho()
    total = rho_from_epsilon(b.total_epsilon, b.delta)
    return {"total_epsilon": b.total_epsilon, "delta": b.delta, "spent_rho": spent, "total_rho": total,
            "spent_epsilon": epsilon_from_rho(spent, b.delta) if spent > 0 else 0.0,
            "percent": min(100.0, 100 * spent / total) if total else 0.0}


@router.get("/")
def overview(request: Request, user: User = Depends(require_admin)) -> Response:
    return page(request, "admin.html", _overview_ctx(request), active="admin")


def _overview_ctx(request: Request) -> dict[str, Any]:
    from cthub.ingest import builtin_names

    store = _store(request)
    users = store.users()
    contributors = []
    for c in request.app.state.config.contributors:
        contributors.append({"id": c.id, "name": c.name, "mapping": c.mapping, "tables": c.tables,
                             "accounts": [u["username"] for u in users if u["contributor"] == c.id],
                             "batches": len(store.batches(contributor=c.id))})
    ctx = {"contributors": contributors, "counts": store.record_counts(), "quarantine": store.quarantine_size(),
           "batches": len(store.batches()), "releases": len(store.releases()), "budget": _budget(request),
           "users": [{k: u[k] for k in ("username", "role", "contributor", "disabled", "last_login")} for u in users],
           "builtin_mappings": builtin_names(), "error": None, "notice": None, "form": {}}
    return ctx


def _overview_error(request: Request, message: str, form: dict[str, str]) -> Response:
    """Show the admin page again with the problem and the typed values (never the password)."""
    ctx = _overview_ctx(request)
    ctx.update(error=message, form=form)
    return page(request, "admin.html", ctx, status_code=400, active="admin")


MAPPINGS_DIR = "mappings"


def mapping_in_folder(home: Path, typed: str) -> str | None:
    """`mappings/NAME.yaml` when `typed` names an existing YAML file inside the hub's mappings/ folder, else None.
    The web form reads nothing else: an absolute or `../` path would let an admin session read server files (or
    probe which exist), and a file outside is refused the same way whether or not it exists."""
    name = typed.strip().replace("\\", "/")
    if name.startswith(MAPPINGS_DIR + "/"):
        name = name[len(MAPPINGS_DIR) + 1:]
    if not name or name.startswith("/") or ".." in name.split("/") or not name.endswith((".yaml", ".yml")):
        return None
    folder = (home / MAPPINGS_DIR).resolve()
    target = (folder / name).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        return None
    return f"{MAPPINGS_DIR}/{target.relative_to(folder).as_posix()}"


@router.post("/contributors")
def add_contributor(request: Request, csrf_token: str = Form("", max_length=200),
                    contributor_id: str = Form("", max_length=100), name: str = Form("", max_length=300),
                    builtin_mapping: str = Form("", max_length=100), mapping_path: str = Form("", max_length=500),
                    user: User = Depends(require_admin)) -> Response:
    """The same checks and file as `cthub contributor add` (cthub.ingest.contributors.add_contributor)."""
    from cthub.config import ConfigError
    from cthub.ingest.contributors import add_contributor as add
    from cthub.ingest.errors import IngestError, MappingError

    check_csrf(request, csrf_token)
    form = {"contributor_id": contributor_id, "name": name, "builtin_mapping": builtin_mapping,
            "mapping_path": mapping_path}
    cid, name, path = contributor_id.strip(), name.strip(), mapping_path.strip()
    if builtin_mapping and path:
        return _overview_error(request, "Contributor not added: choose a built-in mapping or give a mapping file "
                                        "path, not both.", form)
    if path:
        inside = mapping_in_folder(request.app.state.home, path)
        if inside is None:
            return _overview_error(request, "Contributor not added: the mapping file must be a .yaml file in the "
                                            "hub's mappings/ folder, given by its name (for example "
                                            "'shelter.yaml'); put the file there first.", form)
        path = inside
    mapping = f"builtin:{builtin_mapping}" if builtin_mapping else path
    if not cid or not name or not mapping:
        return _overview_error(request, "Contributor not added: an id, a name and a mapping (built-in or a file "
                                        "path) are all needed.", form)
    try:
        request.app.state.config = add(request.app.state.home, cid, name, mapping)
    except MappingError:  # its text can quote the file's lines: name the check that shows them to the operator
        return _overview_error(request, f"Contributor {cid!r} not added: {mapping} is not a valid mapping; run "
                                        f"`cthub mapping check FILE {mapping}` on the server to see why.", form)
    except (ConfigError, IngestError) as exc:
        return _overview_error(request, f"Contributor {cid!r} not added: {exc}", form)
    _store(request).audit(user.username, "contributor-add", cid, {"mapping": mapping})
    return see_other("/admin/#contributors")


@router.post("/users")
def add_user(request: Request, csrf_token: str = Form("", max_length=200), username: str = Form("", max_length=300),
             role: str = Form("", max_length=20), contributor: str = Form("", max_length=100),
             password: str = Form("", max_length=1000), user: User = Depends(require_admin)) -> Response:
    """The same checks, hashing and audit entry as `cthub user add` (cthub.web.accounts.users)."""
    from cthub.web.accounts.users import AccountError, check_account, create_account

    check_csrf(request, csrf_token)
    form = {"username": username, "role": role, "contributor": contributor}
    try:
        name = check_account(username, role, contributor or None, request.app.state.config.contributor)
        create_account(_store(request), user.username, name, password, role, contributor or None)
    except AccountError as exc:
        return _overview_error(request, f"Account not added: {exc}", form)
    return see_other("/admin/#accounts")


@router.post("/users/disable")
def disable_user(request: Request, csrf_token: str = Form("", max_length=200),
                 username: str = Form("", max_length=300), user: User = Depends(require_admin)) -> Response:
    """Lock an account out at once, as `cthub user disable` does (its sessions and API tokens end)."""
    from cthub.web.accounts.users import AccountError, set_disabled

    check_csrf(request, csrf_token)
    if username == user.username:
        return _overview_error(request, "You cannot disable your own account; ask another admin.", {})
    try:
        set_disabled(_store(request), user.username, username, True)
    except AccountError as exc:
        return _overview_error(request, f"Account not disabled: {exc}", {})
    forget(request, username=username)  # this process's cached sessions end now, not when the cache expires
    return see_other("/admin/#accounts")


@router.post("/users/enable")
def enable_user(request: Request, csrf_token: str = Form("", max_length=200),
                username: str = Form("", max_length=300), user: User = Depends(require_admin)) -> Response:
    """Let a disabled account sign in again, as `cthub user enable` does."""
    from cthub.web.accounts.users import AccountError, set_disabled

    check_csrf(request, csrf_token)
    try:
        set_disabled(_store(request), user.username, username, False)
    except AccountError as exc:
        return _overview_error(request, f"Account not enabled: {exc}", {})
    return see_other("/admin/#accounts")


@router.get("/batches")
def batches(request: Request, user: User = Depends(require_admin)) -> Response:
    rows = [b.as_dict() for b in _store(request).batches()]
    return page(request, "admin_batches.html", {"batches": rows}, active="admin")


@router.get("/batches/{batch_id}/{name}")
def batch_file(request: Request, batch_id: str, name: str, user: User = Depends(require_admin)) -> Response:
    from cthub.store import UnknownBatch

    try:
        batch = _store(request).batch(batch_id)
    except UnknownBatch:
        raise HTTPException(404, "no such batch") from None
    if name not in REPORT_FILES or not batch.report_dir:
        raise HTTPException(404, "no such report file")
    return report_csv(request, Path(batch.report_dir), name, batch.batch_id)


def _release_rows(request: Request) -> list[dict[str, Any]]:
    from cthub.release.reader import published_versions

    published = set(published_versions(request.app.state.home))
    rows = []
    for r in reversed(_store(request).releases()):
        s = r.get("summary") or {}
        rows.append({"version": r["version"], "status": r["status"], "created": r["created"],
                     "epsilon": s.get("epsilon"), "k": s.get("k"), "gates_passed": s.get("gates_passed"),
                     "live": r["version"] in published,
                     "has_report": (Path(r["path"]) / "report.html").is_file() if r.get("path") else False,
                     "has_evaluation": _evaluation_file(request, r["version"], "report.html") is not None,
                     "has_metrics": _evaluation_file(request, r["version"], "metrics.json") is not None})
    return rows


EVALUATION_FILES = ("report.html", "metrics.json")


def _evaluation_file(request: Request, version: str, name: str) -> Path | None:
    """A file of the internal evaluation of `version`, or None (only the two names the pipeline writes)."""
    from cthub.release.reader import ReleaseNotFound, evaluation_dir

    if name not in EVALUATION_FILES:
        return None
    try:
        folder = evaluation_dir(request.app.state.home, version)
    except ReleaseNotFound:
        return None
    file = folder / name
    return file if file.is_file() else None


@router.get("/releases")
def releases(request: Request, user: User = Depends(require_admin)) -> Response:
    job = request.app.state.accounts.job
    return page(request, "admin_releases.html", {"releases": _release_rows(request), "job": job.snapshot()},
                active="admin")


@router.post("/releases/run")
def run(request: Request, csrf_token: str = Form("", max_length=200), user: User = Depends(require_admin)) -> Response:
    check_csrf(request, csrf_token)
    job = request.app.state.accounts.job
    if not job.start(user.username):
        raise HTTPException(409, "a release is already running; wait for it to finish")
    _store(request).audit(user.username, "release-run", None, {"draft": True})
    return see_other("/admin/releases")


@router.get("/releases/progress.json")
def progress(request: Request, user: User = Depends(require_admin)) -> JSONResponse:
    return JSONResponse(request.app.state.accounts.job.snapshot(), headers={"cache-control": "no-store"})


def _get_release(request: Request, version: str) -> Any:
    from cthub.release.reader import ReleaseNotFound, get_release

    if not re.match(VERSION_PATTERN, version):
        raise HTTPException(404, "no such release")
    try:
        return get_release(request.app.state.home, version)
    except ReleaseNotFound:
        raise HTTPException(404, "no such release") from None


@router.get("/releases/{version}/report")
def report(request: Request, version: str, user: User = Depends(require_admin)) -> Response:
    rel = _get_release(request, version)
    file = Path(rel.path) / "report.html"
    if not file.is_file():
        raise HTTPException(404, "this release has no report")
    return FileResponse(file, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})


def _evaluation_response(request: Request, version: str, name: str, media_type: str, what: str,
                         headers: dict[str, str]) -> Response:
    if not re.match(VERSION_PATTERN, version):
        raise HTTPException(404, "no such release")
    file = _evaluation_file(request, version, name)
    if file is None:
        raise HTTPException(404, f"release {version} has no internal evaluation {what}")
    return FileResponse(file, media_type=media_type, headers={"cache-control": "no-store", **headers})


@router.get("/releases/{version}/evaluation")
def evaluation(request: Request, version: str, user: User = Depends(require_admin)) -> Response:
    """The internal evaluation report (computed against the raw records: admins only, never public)."""
    return _evaluation_response(request, version, "report.html", "text/html; charset=utf-8", "report",
                                {"x-robots-tag": "noindex"})


@router.get("/releases/{version}/evaluation/metrics.json")
def evaluation_metrics(request: Request, version: str, user: User = Depends(require_admin)) -> Response:
    """The internal evaluation metrics as JSON (admins only)."""
    return _evaluation_response(request, version, "metrics.json", "application/json", "metrics", {})


@router.post("/releases/{version}/publish")
def publish(request: Request, version: str, csrf_token: str = Form("", max_length=200),
            user: User = Depends(require_admin)) -> Response:
    from cthub.release.manage import PublishRefused, publish_release

    check_csrf(request, csrf_token)
    _get_release(request, version)
    try:
        # the same service as `cthub publish`; its note (a folder the store does not index) needs no answer here
        publish_release(request.app.state.home, version, actor=user.username)
    except PublishRefused as exc:
        raise HTTPException(409, str(exc)) from None
    _store(request).audit(user.username, "publish", version, {})
    return see_other("/admin/releases")


@router.post("/releases/{version}/discard")
def discard(request: Request, version: str, csrf_token: str = Form("", max_length=200),
            user: User = Depends(require_admin)) -> Response:
    from cthub.release.manage import discard_release

    check_csrf(request, csrf_token)
    _get_release(request, version)
    discard_release(request.app.state.home, version)  # the same service as `cthub discard`
    _store(request).audit(user.username, "discard", version, {})
    return see_other("/admin/releases")


@router.get("/ledger")
def ledger(request: Request, user: User = Depends(require_admin)) -> Response:
    df = _store(request).ledger()
    rows = df.to_dict(orient="records") if len(df) else []
    return page(request, "admin_ledger.html", {"rows": rows, "budget": _budget(request)}, active="admin")


@router.get("/audit")
def audit(request: Request, limit: int = 200, user: User = Depends(require_admin)) -> Response:
    rows = _store(request).audit_log(max(1, min(limit, 5000)))
    return page(request, "admin_audit.html", {"rows": rows}, active="admin")
