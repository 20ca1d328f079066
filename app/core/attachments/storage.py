"""Where attachment files live on disk, and how they get there safely.

Files go under ``UPLOAD_FOLDER`` (``<instance>/uploads`` by default) as
``<record_type>/<record_id>/<random>.<ext>``: the name the user gave is never part of a path.
A file is written aside and renamed into place, so a reader never sees half of it. Services
flush but do not commit: a file written in a transaction that is then rolled back (or never
committed) is deleted again, so the folder holds no file without its row.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

RECORD_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: session.info key of the files written in the current transaction
_NEW_FILES = "qportal_new_attachment_files"
#: longest side of a thumbnail (CSS px × 2 for sharp screens)
THUMB_SIZE = 320


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def absolute(storage_path: str) -> Path:
    """The file behind a stored relative path; refuses any path that leaves the upload folder."""
    root = upload_root().resolve()
    path = (root / storage_path).resolve()
    if root not in path.parents:
        raise ValueError(f"storage path outside the upload folder: {storage_path!r}")
    return path


def write_file(data: bytes, *, record_type: str, record_id: int, extension: str) -> str:
    """Keep ``data`` under a new random name; returns the path relative to the upload folder."""
    if not RECORD_TYPE.match(record_type):
        raise ValueError(f"not a record type: {record_type!r}")
    relative = f"{record_type}/{int(record_id)}/{secrets.token_hex(16)}{extension}"
    path = absolute(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    db.session.info.setdefault(_NEW_FILES, []).append(path)
    return relative


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_uncommitted_files(session: Session, transaction) -> None:
    """A transaction that ends without commit (rollback, or closed) takes its new files with it."""
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_NEW_FILES, []):
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".thumb.jpg").unlink(missing_ok=True)


def thumbnail(path: Path) -> Path:
    """A small JPEG of the image at ``path``, made on first use and kept beside it."""
    thumb = path.with_name(path.name + ".thumb.jpg")
    if thumb.exists():
        return thumb
    with Image.open(path) as img:
        img.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # JPEG: decode at a reduced scale, much faster
        small = ImageOps.exif_transpose(img)
    small.thumbnail((THUMB_SIZE, THUMB_SIZE))
    if small.mode != "RGB":
        rgba = small.convert("RGBA")
        small = Image.new("RGB", rgba.size, (255, 255, 255))
        small.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=82)
    fd, tmp = tempfile.mkstemp(dir=thumb.parent, prefix=".thumb-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(out.getvalue())
    os.replace(tmp, thumb)
    return thumb
