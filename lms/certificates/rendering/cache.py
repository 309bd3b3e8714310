"""Rendered certificates kept on disk, so a second download does not render again.

The file is keyed by the certificate (its id and a digest of its code, so a reused id can
never serve another certificate), the design's version, the page size and the verification
address printed on it. Written to a temporary file and moved into place with os.replace,
so a reader never sees half a PDF, and two workers rendering at once both leave a whole one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from lms.certificates.models import Certificate
from lms.certificates.rendering import pdf as rendering
from lms.certificates.rendering.fields import verify_url


def cache_dir() -> Path:
    """Where rendered certificates are kept (made when the first one is written)."""
    return Path(current_app.instance_path) / "certificates"


def cache_path(certificate: Certificate, size: str | None = None) -> Path:
    chosen = rendering.page_size(size)
    digest = hashlib.sha256(
        f"{certificate.code}\n{verify_url(certificate.code)}".encode()
    ).hexdigest()[:20]
    name = f"{certificate.id}-{digest}-v{certificate.template_version}-{chosen.lower()}.pdf"
    return cache_dir() / name


def cached_pdf(certificate: Certificate, size: str | None = None) -> Path:
    """The certificate's PDF on disk, rendering it first if it isn't there yet."""
    path = cache_path(certificate, size)
    if path.is_file():
        return path
    data = rendering.render_pdf(certificate, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rendering-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
