"""The contributor area: upload a file, read its validation report, list and withdraw the organization's batches.

A contributor sees only its own organization's batches (another's answer 404, as if they did not exist) and never
record-level data: only counts, grouped problems (whose values ingest already made safe) and the problem CSVs.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from cthub.tables.csv_safe import neutralize_frame
from cthub.web.accounts import ingest_worker
from cthub.web.accounts.deps import check_csrf, require_contributor
from cthub.web.accounts.pages import page, see_other
from cthub.web.accounts.sessions import User
from cthub.web.accounts.uploads import UploadRefused, inspect, safe_name, save_stream

router = APIRouter(prefix="/contribute", include_in_schema=False)
log = logging.getLogger("cthub.web")
REPORT_FILES = {"problems.csv": "problems.csv", "rejected.csv": "rejected.csv"}


def _store(request: Request) -> Any:
    return request.app.state.accounts.store()


def _audit(request: Request, user: User, action: str, target: str | None, detail: dict[str, Any]) -> None:
    _store(request).audit(user.username, action, target, {**detail, "via": user.via})


def _org(request: Request, user: User) -> Any:
    for c in request.app.state.config.contributors:
        if c.id == user.contributor:
            return c
    raise HTTPException(403, f"your organization {user.contributor!r} is not in this hub's cthub.yaml; ask an admin")


def own_batch(request: Request, user: User, batch_id: str) -> Any:
    """The batch if it belongs to the user's organization; 404 otherwise (existence is not revealed)."""
    from cthub.store import UnknownBatch

    if len(batch_id) > 200:
        raise HTTPException(404, "no such batch")
    try:
        batch = _store(request).batch(batch_id)
    except UnknownBatch:
        raise HTTPException(404, "no such batch") from None
    if batch.contributor != user.contributor:
        raise HTTPException(404, "no such batch")
    return batch


def _report(request: Request, batch: Any) -> dict[str, Any] | None:
    if not batch.report_dir:
        return None
    folder = Path(batch.report_dir).resolve()
    if not folder.is_relative_to((request.app.state.home / "reports").resolve()):
        return None
    try:
        return json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _batch_view(batch: Any) -> dict[str, Any]:
    d = batch.as_dict()
    return {k: d[k] for k in ("batch_id", "file_name", "imported_at", "rows_total", "accepted", "warned", "rejected",
                              "status", "mapping", "tables", "withdrawn_at")}


class _WorkerResult:
    """The child's answer with the attributes `do_upload` reads from a BatchResult."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._summary = data["summary"]
        self.batch_id, self.mapping = data["batch_id"], data["mapping"]
        self.accepted, self.rejected, self.warned = data["accepted"], data["rejected"], data["warned"]

    def summary(self) -> dict[str, Any]:
        return dict(self._summary)


def _ingest_in_worker(request: Request, contributor: str, path: Path, mapping: str | None, display: str,
                      options: dict[str, Any]) -> Any:
    """Ingest in a child process (see `ingest_worker`): the web process keeps answering while a file is checked."""
    try:
        outcome, data = ingest_worker.run_ingest(request.app.state.home, contributor, path, mapping, display,
                                                 options)
    except ingest_worker.IngestTimeout:
        raise UploadRefused(f"checking the file took longer than the hub's limit of "
                            f"{ingest_worker.timeout_seconds():.0f} seconds, so it was stopped and nothing was "
                            "imported; split the file, or ask the hub admin to raise CTHUB_INGEST_TIMEOUT", 422,
                            kind="IngestTimeout") from None
    except ingest_worker.WorkerFailed:
        raise UploadRefused("the import stopped unexpectedly and nothing was imported; try again, and tell the hub "
                            "admin if it happens again", 500, kind="WorkerFailed") from None
    if outcome == "ok":
        return _WorkerResult(data)
    if outcome == "already":
        raise UploadRefused(f"this exact file is already imported as batch {data['batch_id']}; nothing changed", 409,
                            kind="AlreadyImported")
    if outcome == "ingest-error":
        raise UploadRefused(data["message"].replace(path.name, display), kind=data["kind"])
    log.error("upload import failed in the worker: %s", data.get("kind"))
    raise UploadRefused("the import stopped with an internal error and nothing was imported; the hub admin can find "
                        "the details in the server log", 500, kind=str(data.get("kind", "error")))


def do_upload(request: Request, user: User, file: UploadFile, mapping_choice: str) -> dict[str, Any]:
    """Save, check and ingest one upload; returns the batch summary. Raises UploadRefused or HTTPException."""
    from cthub.ingest import AlreadyImported, IngestError, ingest_file

    org = _org(request, user)
    state = request.app.state.accounts
    mapping = "builtin:htcds" if mapping_choice == "htcds" else None
    display = safe_name(file.filename)
    incoming = request.app.state.home / "uploads"
    path, size = save_stream(file.file, incoming, state.limits)
    try:
        saved = inspect(path, size, state.limits)
        path = saved.path
        # the limits are enforced again while the importer reads (a workbook's rows are counted only there)
        options = {"max_rows": state.limits.max_rows, "max_columns": state.limits.max_columns}
        if ingest_worker.enabled():
            res = _ingest_in_worker(request, org.id, saved.path, mapping, display, options)
        else:
            try:
                res = ingest_file(_store(request), org.id, saved.path, mapping, display_name=display, **options)
            except AlreadyImported as exc:
                raise UploadRefused(f"this exact file is already imported as batch {exc.batch_id}; nothing changed",
                                    409, kind="AlreadyImported") from None
            except IngestError as exc:
                raise UploadRefused(str(exc).replace(saved.path.name, display), kind=type(exc).__name__) from None
    except UploadRefused as exc:
        # the kind only: the append-only log outlives withdrawal, so no message text that could describe cells
        _audit(request, user, "upload-refused", None, {"file": display, "bytes": size, "reason": exc.kind})
        raise
    finally:
        path.unlink(missing_ok=True)
    _audit(request, user, "upload", res.batch_id, {"file": display, "bytes": size, "mapping": res.mapping,
                                                   "accepted": res.accepted, "rejected": res.rejected,
                                                   "warned": res.warned})
    summary = res.summary()
    summary.pop("report_dir", None)
    return summary


@router.get("/")
def home(request: Request, user: User = Depends(require_contributor)) -> Response:
    org = _org(request, user)
    batches = [_batch_view(b) for b in _store(request).batches(contributor=org.id)]
    return page(request, "contribute.html", {"org": org, "batches": batches, "limits": request.app.state.accounts.limits,
                                             "error": None}, active="contribute")


@router.post("/upload")
def upload(request: Request, file: UploadFile = File(...), mapping: str = Form("organization", max_length=40),
           csrf_token: str = Form("", max_length=200), user: User = Depends(require_contributor)) -> Response:
    check_csrf(request, csrf_token)
    try:
        summary = do_upload(request, user, file, mapping)
    except UploadRefused as exc:
        org = _org(request, user)
        batches = [_batch_view(b) for b in _store(request).batches(contributor=org.id)]
        return page(request, "contribute.html", {"org": org, "batches": batches, "error": str(exc),
                                                 "limits": request.app.state.accounts.limits},
                    status_code=exc.status_code, active="contribute")
    return see_other(f"/contribute/batches/{summary['batch_id']}")


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: str, user: User = Depends(require_contributor)) -> Response:
    batch = own_batch(request, user, batch_id)
    report = _report(request, batch)
    return page(request, "batch.html", {"batch": _batch_view(batch), "report": report}, active="contribute")


@router.get("/batches/{batch_id}/{name}")
def batch_file(request: Request, batch_id: str, name: str, user: User = Depends(require_contributor)) -> Response:
    batch = own_batch(request, user, batch_id)
    if name not in REPORT_FILES or not batch.report_dir:
        raise HTTPException(404, "no such report file")
    return report_csv(request, Path(batch.report_dir), name, batch.batch_id)


def report_csv(request: Request, folder: Path, name: str, batch_id: str) -> Response:
    """A report CSV re-written through the formula-injection guard (whoever wrote it, it is served safe)."""
    folder = folder.resolve()
    if not folder.is_relative_to((request.app.state.home / "reports").resolve()):
        raise HTTPException(404, "no such report file")
    file = folder / REPORT_FILES[name]
    if not file.is_file():
        raise HTTPException(404, "no such report file")
    df = pd.read_csv(file, dtype="string", keep_default_na=False, encoding="utf-8")
    buf = io.StringIO()
    neutralize_frame(df).to_csv(buf, index=False, lineterminator="\n")
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{batch_id}-{name}"',
                             "cache-control": "no-store"})


@router.post("/batches/{batch_id}/withdraw")
def withdraw(request: Request, batch_id: str, csrf_token: str = Form("", max_length=200),
             user: User = Depends(require_contributor)) -> Response:
    check_csrf(request, csrf_token)
    batch = own_batch(request, user, batch_id)
    if batch.status == "withdrawn":
        return see_other(f"/contribute/batches/{batch_id}")
    from cthub.ingest.contributors import withdraw_batch

    # the same service as `cthub withdraw`: the records go, the store file is rewritten, the audit entry says so
    withdraw_batch(_store(request), batch.batch_id, user.username, contributor=user.contributor, via=user.via)
    return see_other(f"/contribute/batches/{batch_id}")


# -- scripted uploads (Authorization: Bearer <API token>) ------------------------------------------------------
@router.post("/api/batches")
def api_upload(request: Request, file: UploadFile = File(...), mapping: str = Form("organization", max_length=40),
               csrf_token: str = Form("", max_length=200), user: User = Depends(require_contributor)) -> Response:
    check_csrf(request, csrf_token)  # a no-op for API tokens; a browser session still needs the token
    try:
        summary = do_upload(request, user, file, mapping)
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)
    return JSONResponse(summary, status_code=201)


@router.get("/api/batches")
def api_batches(request: Request, user: User = Depends(require_contributor)) -> list[dict[str, Any]]:
    return [_batch_view(b) for b in _store(request).batches(contributor=user.contributor)]


@router.get("/api/batches/{batch_id}")
def api_batch(request: Request, batch_id: str, user: User = Depends(require_contributor)) -> dict[str, Any]:
    batch = own_batch(request, user, batch_id)
    report = _report(request, batch) or {}
    report.pop("report_dir", None)
    return {"batch": _batch_view(batch), "report": report}
