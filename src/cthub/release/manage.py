"""Publish and discard releases: the checks both the CLI and the web admin area must make.

A release is published only if it passed its gates and its files still match SHA256SUMS. Discarding takes a
release out of `published.json` and moves its folder under `releases/_discarded/`; its privacy spend stays in the
ledger (the noise was drawn, whatever happens to the files). The store's index follows the folder; a folder the
store does not know (copied in from elsewhere) is still managed, with a note.
"""

from __future__ import annotations

import os
from pathlib import Path

from cthub.release import folder
from cthub.release.reader import Release, get_release


class PublishRefused(Exception):
    """The release may not be published; the message says why and what to do."""


def _index(home: str | os.PathLike[str] | None, version: str, status: str) -> str | None:
    from cthub.store import Store, StoreError

    try:
        Store.open(home).release_set_status(version, status)
    except StoreError as exc:
        return str(exc)
    return None


def check_publishable(home: str | os.PathLike[str] | None, rel: Release, override_reason: str | None = None) -> None:
    """Every check a publication must pass, for the CLI and the admin area alike; PublishRefused says which failed.

    Gates passed, checksums intact, and (classic) enough persons changed since every other classic release that is
    or was public: two drafts made from nearly the same data must not both go out. `override_reason` lets the last
    check through; the caller writes it to the audit log.
    """
    from cthub.config import hub_home, load_config
    from cthub.release import changes

    version = rel.version
    if not rel.gates_passed:
        raise PublishRefused(f"release {version} failed its gates; a failed release is never published. Fix the "
                             "configuration and run `cthub release` again.")
    bad = rel.verify()
    if bad:
        raise PublishRefused(f"files of release {version} do not match its SHA256SUMS: {', '.join(bad)}. "
                             "Do not publish it; make a new release.")
    if rel.meta.get("profile") == "classic" and not override_reason:
        home_path = hub_home(home)
        prints = changes.load_fingerprints(home_path, version)
        deid = load_config(home_path).release.deid
        needed = deid.min_changed_records if deid.min_changed_records is not None else deid.k
        problems = (["its fingerprints are missing"] if prints is None else
                    changes.guard_violations(home_path, prints, needed, exclude=version))
        if problems:
            raise PublishRefused(
                f"classic release {version} differs too little from another classic release ({'; '.join(problems)});"
                " publishing both would let anyone difference them. Discard one, or publish with a reason "
                "(`cthub publish --override-reason \"...\"`), which goes to the audit log."
            )


def publish_release(home: str | os.PathLike[str] | None, version: str, override_reason: str | None = None,
                    actor: str = "cli") -> tuple[Release, str | None]:
    """Add a release to `published.json`. Returns the release and a note (None when the store index agreed)."""
    rel = get_release(home, version)
    check_publishable(home, rel, override_reason)
    if override_reason:
        from cthub.store import Store

        Store.open(home).audit(actor, "publish.override", version, {"reason": override_reason})
    folder.publish(home, version)
    return rel, _index(home, version, "published")


def discard_release(home: str | os.PathLike[str] | None, version: str) -> tuple[Path, str | None]:
    """Unpublish a release and move it under `releases/_discarded/`. Returns the new path and a note."""
    get_release(home, version)
    dest = folder.move_to_discarded(home, version)
    return dest, _index(home, version, "discarded")
