"""Releases: the one-command pipeline, the atomic folder writer and the reader the web uses.

Importing this package stays cheap (the web imports `cthub.release.reader` on every start); the pipeline, which
pulls in every protection stage, lives in `cthub.release.pipeline` and is imported only when a release is made.
"""

from cthub.release.reader import Release, ReleaseNotFound, latest_published, list_releases, published_versions

__all__ = ["Release", "ReleaseNotFound", "latest_published", "list_releases", "published_versions"]
