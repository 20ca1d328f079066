"""Photos, signed scans and drawn signatures on a record: what is accepted, kept, shown and removed."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from app.config import Config
from app.core.attachments import (
    Attachment,
    AttachmentKind,
    UploadRefused,
    attachment_path,
    attachments_of,
    print_signature,
    remove_attachment,
    save_signature,
    save_upload,
)
from app.core.attachments.checks import strip_jpeg, strip_png
from app.core.records.audit import AuditEntry
from app.core.records.engine import ReadOnlyRecordError
from app.extensions import db
from tests.conftest import HX
from tests.core.records.conftest import example_form, new_record, people  # noqa: F401 — fixtures
from tests.core.records.example_workflow import EXAMPLE

EN = {"Accept-Language": "en"}
MB = 1024 * 1024


# --- helpers -----------------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size=(64, 48), color="teal", **save) -> bytes:
    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).line([(0, 0), size], fill="black", width=3)
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def signature_png(ink=True, size=(600, 200), transparent=False) -> bytes:
    """What the pad sends: white (or transparent) paper, with or without a drawn name."""
    img = Image.new("RGBA", size, (255, 255, 255, 0 if transparent else 255))
    if ink:
        ImageDraw.Draw(img).line(
            [(40, 150), (120, 40), (200, 140), (320, 50), (480, 120)], fill=(11, 42, 99, 255), width=5
        )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def upload(client, record, files, kind="photo", headers=HX, record_type="example_record"):
    """POST ``files`` ([(bytes, name, browser content type)]) to the record's attach endpoint."""
    return client.post(
        f"/attachments/{record_type}/{getattr(record, 'id', record)}",
        data={"kind": kind, "files": [(io.BytesIO(b), name, ctype) for b, name, ctype in files]},
        headers={**EN, **headers},
        content_type="multipart/form-data",
    )


def sign(client, record, signature: str, signer_name="李顾客", headers=HX):
    return client.post(
        f"/attachments/example_record/{record.id}/signature",
        data={"signature": signature, "signer_name": signer_name},
        headers={**EN, **headers},
    )


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count_attachments() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


class FakeUpload:
    """What a view hands the service: a name and a stream (werkzeug's FileStorage shape)."""

    def __init__(self, data: bytes, filename: str):
        self.stream = io.BytesIO(data)
        self.filename = filename


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def record(new_record):  # noqa: F811
    return new_record("draft")


@pytest.fixture
def clerk(people, login):  # noqa: F811
    return login(people["clerk"])


# --- what is accepted ---------------------------------------------------------------------------------


def test_a_real_png_is_kept_under_the_instance_folder_and_audited_on_the_record(app, client, clerk, record):
    png = image_bytes("PNG")

    response = upload(client, record, [(png, "../../损坏照片 1.png", "image/png")])

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="attachment-panel"' in html
    [att] = attachments_of("example_record", record.id)
    assert att.kind == AttachmentKind.PHOTO
    assert att.content_type == "image/png"
    assert att.filename == "损坏照片 1.png"  # the base name only, never a path
    assert att.uploaded_by_id == clerk.id
    assert att.uploaded_by_name == "王小明"
    path = attachment_path(att)
    assert path.is_relative_to(Path(app.config["UPLOAD_FOLDER"]).resolve())
    assert "static" not in path.parts
    assert path.read_bytes() == png  # a PNG without metadata is kept byte for byte
    assert att.size == len(png)
    assert att.sha256 == hashlib.sha256(png).hexdigest()
    [entry] = entries("attach")
    assert (entry.object_type, entry.object_id) == ("example_record", str(record.id))
    assert entry.changes["filename"] == "损坏照片 1.png"
    assert entry.changes["sha256"] == att.sha256
    assert f'data-attachment-id="{att.id}"' in html


def test_a_plain_form_post_goes_back_to_the_record_page(client, clerk, record):
    response = upload(client, record, [(image_bytes("JPEG"), "a.jpg", "image/jpeg")], headers={})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/records/example_record/{record.id}")


@pytest.mark.parametrize(
    ("fmt", "content_type", "kind"),
    [("JPEG", "image/jpeg", "photo"), ("WEBP", "image/webp", "photo"), ("PNG", "image/png", "signed_scan")],
)
def test_jpeg_webp_and_png_are_accepted_by_their_content(client, clerk, record, fmt, content_type, kind):
    # the browser's name and type say nothing true: the content decides
    response = upload(client, record, [(image_bytes(fmt), "scan.bin", "application/octet-stream")], kind=kind)
    assert response.status_code == 200
    [att] = attachments_of("example_record", record.id)
    assert att.content_type == content_type
    assert att.filename == "scan" + {"JPEG": ".jpg", "WEBP": ".webp", "PNG": ".png"}[fmt]
    assert att.kind == kind


def test_a_signed_scan_may_be_a_pdf_but_a_photo_may_not(client, clerk, record):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    refused = upload(client, record, [(pdf, "签收单.pdf", "application/pdf")], kind="photo")
    assert refused.status_code == 422
    assert "Only photos in JPEG, PNG or WebP format" in refused.get_data(as_text=True)

    accepted = upload(client, record, [(pdf, "签收单.pdf", "application/pdf")], kind="signed_scan")
    assert accepted.status_code == 200
    [att] = attachments_of("example_record", record.id)
    assert (att.kind, att.content_type, att.filename) == ("signed_scan", "application/pdf", "签收单.pdf")


# --- what is refused ----------------------------------------------------------------------------------


PHP = b"<?php system($_GET['cmd']); ?>\n"


@pytest.mark.parametrize(
    ("content", "name", "ctype"),
    [
        (PHP, "photo.jpg", "image/jpeg"),  # a script named like a photo
        (b"<html><script>alert(1)</script></html>", "x.png", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.svg", "image/svg+xml"),
        (b"GIF89a" + b"\x00" * 40, "x.gif", "image/gif"),
        (b"\xff\xd8\xff\xe0" + PHP, "x.jpg", "image/jpeg"),  # JPEG magic, then a script
        (image_bytes("JPEG")[:200], "cut.jpg", "image/jpeg"),  # truncated
        (b"%PDF-1.7\n" + PHP, "x.pdf", "application/pdf"),  # no end of file: not a whole PDF
        (b"", "empty.png", "image/png"),
    ],
)
def test_anything_but_a_whole_jpeg_png_webp_or_pdf_is_refused_and_nothing_kept(
    app, client, clerk, record, content, name, ctype
):
    response = upload(client, record, [(content, name, ctype)], kind="document")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="attachment-files-error"' in html
    assert 'aria-invalid="true"' in html
    assert count_attachments() == 0
    assert stored_files(app) == []
    assert entries("attach") == []


def test_one_bad_file_refuses_the_whole_upload(app, client, clerk, record):
    good = (image_bytes("PNG"), "good.png", "image/png")
    bad = (PHP, "bad.jpg", "image/jpeg")

    response = upload(client, record, [good, bad, good])

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "bad.jpg:" in html
    assert "good.png:" not in html
    assert count_attachments() == 0
    assert stored_files(app) == []  # the good files written before the refusal went with the rollback


def test_a_file_over_the_size_limit_is_refused_in_place(app, client, clerk, record):
    app.config["UPLOAD_MAX_BYTES"] = 2048
    big = image_bytes("PNG", size=(400, 400), color=None)  # noise-free but > 2 KB with the line
    big = big + b"\x00" * max(0, 3000 - len(big))

    response = upload(client, record, [(big, "big.png", "image/png")])

    assert response.status_code == 422
    assert "The file is larger than 2 KB." in response.get_data(as_text=True)
    assert count_attachments() == 0
    assert stored_files(app) == []


def test_a_request_over_the_total_limit_is_a_413_with_a_translated_message(app, client, clerk, record):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    content = image_bytes("PNG") + b"\x00" * 8192

    english = upload(client, record, [(content, "big.png", "image/png")])
    chinese = upload(
        client, record, [(content, "big.png", "image/png")], headers={**HX, "Accept-Language": "zh-CN"}
    )

    assert english.status_code == 413
    assert "Nothing was saved" in english.get_data(as_text=True)
    assert english.headers["HX-Retarget"] == "#flash-area"
    assert chinese.status_code == 413
    assert "未保存" in chinese.get_data(as_text=True)
    assert count_attachments() == 0
    assert stored_files(app) == []


def test_no_file_chosen_is_a_field_error(client, clerk, record):
    response = upload(client, record, [])
    assert response.status_code == 422
    assert "Choose at least one file." in response.get_data(as_text=True)


def test_a_decompression_bomb_is_refused(app, record, people):  # noqa: F811
    app.config["UPLOAD_MAX_PIXELS"] = 10_000
    with app.test_request_context(headers=EN), pytest.raises(UploadRefused, match="too many pixels"):
        save_upload(
            FakeUpload(image_bytes("PNG", size=(200, 200)), "a.png"),
            record_type="example_record",
            record_id=record.id,
            actor=people["clerk"],
        )
    assert count_attachments() == 0


# --- metadata -----------------------------------------------------------------------------------------


def test_photo_metadata_is_stripped_but_the_orientation_and_pixels_stay(app, record, people):  # noqa: F811
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned
    exif[0x010F] = "SecretPhone Inc."
    exif[0x0131] = "CameraApp 1.0"
    photo = image_bytes("JPEG", exif=exif.tobytes(), comment=b"site: Suzhou plant 3") + b"<?php ?>"

    att = save_upload(
        FakeUpload(photo, "IMG_0001.JPG"),
        record_type="example_record",
        record_id=record.id,
        actor=people["clerk"],
    )
    db.session.commit()

    kept = attachment_path(att).read_bytes()
    assert b"SecretPhone" not in kept
    assert b"CameraApp" not in kept
    assert b"Suzhou" not in kept
    assert b"<?php" not in kept
    assert kept.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(kept)) as img:
        assert img.getexif().get(0x0112) == 6
        assert img.size == (64, 48)
    with Image.open(io.BytesIO(photo)) as a, Image.open(io.BytesIO(kept)) as b:
        assert a.tobytes() == b.tobytes()  # not re-encoded
    assert att.sha256 == hashlib.sha256(kept).hexdigest()
    assert att.size == len(kept)


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "customer home address")
    png = image_bytes("PNG", pnginfo=info)

    clean = strip_png(png + b"trailing")

    assert b"customer home address" not in clean
    assert not clean.endswith(b"trailing")
    with Image.open(io.BytesIO(clean)) as img:
        img.load()


def test_a_jpeg_without_image_data_is_not_a_jpeg():
    with pytest.raises(ValueError, match="no image data"):
        strip_jpeg(b"\xff\xd8\xff\xd9")


# --- serving ------------------------------------------------------------------------------------------


@pytest.fixture
def photo(record, people):  # noqa: F811
    att = save_upload(
        FakeUpload(image_bytes("JPEG", size=(800, 600)), "现场.jpg"),
        record_type="example_record",
        record_id=record.id,
        actor=people["clerk"],
    )
    db.session.commit()
    return att


def test_any_logged_in_user_sees_the_file_with_its_stored_type(client, photo, make_user, login):
    login(make_user(display_name="别的部门"))

    with client.get(f"/attachments/{photo.id}") as response:
        assert response.status_code == 200
        body = response.data
    assert body == attachment_path(photo).read_bytes()
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg" in response.headers["Content-Disposition"]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_thumbnail_is_a_small_jpeg(client, photo, clerk):
    with client.get(f"/attachments/{photo.id}/thumb") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        body = response.data
    with Image.open(io.BytesIO(body)) as img:
        assert max(img.size) <= 320


def test_a_pdf_is_shown_inline_as_pdf(client, clerk, record):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    upload(client, record, [(pdf, "scan.pdf", "application/octet-stream")], kind="document")
    [att] = attachments_of("example_record", record.id)

    with client.get(f"/attachments/{att.id}") as response:
        assert response.data == attachment_path(att).read_bytes()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert client.get(f"/attachments/{att.id}/thumb").status_code == 404


def test_serving_needs_a_login(client, photo):
    page = client.get(f"/attachments/{photo.id}")
    assert page.status_code == 302
    assert "/auth/login" in page.headers["Location"]
    assert client.get(f"/attachments/{photo.id}", headers=HX).status_code == 401
    assert client.get(f"/attachments/{photo.id}/thumb").status_code == 302


def test_unknown_and_removed_attachments_are_404(client, photo, clerk, people):  # noqa: F811
    assert client.get(f"/attachments/{photo.id + 100}").status_code == 404
    remove_attachment(photo, actor=people["clerk"], reason="拍错了")
    db.session.commit()
    assert client.get(f"/attachments/{photo.id}").status_code == 404
    assert client.get(f"/attachments/{photo.id}/thumb").status_code == 404
    assert attachment_path(photo).is_file()  # removal hides, it never deletes


# --- removing -----------------------------------------------------------------------------------------


def test_removal_needs_a_reason_and_is_audited(client, photo, clerk, record):
    url = f"/attachments/{photo.id}/remove"

    missing = client.post(url, data={"reason": " "}, headers={**EN, **HX})
    assert missing.status_code == 422
    assert f'id="reason-{photo.id}-error"' in missing.get_data(as_text=True)
    assert attachments_of("example_record", record.id) == [photo]

    done = client.post(url, data={"reason": "拍错了客户"}, headers={**EN, **HX})
    assert done.status_code == 200
    assert f'data-attachment-id="{photo.id}"' not in done.get_data(as_text=True)
    assert attachments_of("example_record", record.id) == []
    [kept] = attachments_of("example_record", record.id, include_removed=True)
    assert kept.removed_by_id == clerk.id
    assert kept.removal_reason == "拍错了客户"
    [entry] = entries("detach")
    assert entry.reason == "拍错了客户"
    assert entry.object_id == str(record.id)


def test_attachments_of_a_read_only_record_stay(client, new_record, people, login):  # noqa: F811
    approved = new_record("approved")
    att = save_upload(
        FakeUpload(image_bytes("PNG"), "a.png"),
        record_type="example_record",
        record_id=approved.id,
        actor=people["clerk"],
    )
    db.session.commit()
    login(people["clerk"])

    assert client.post(f"/attachments/{att.id}/remove", data={"reason": "x"}, headers=HX).status_code == 403
    with pytest.raises(ReadOnlyRecordError):
        remove_attachment(att, actor=people["qa"], reason="x", record=approved)
    with pytest.raises(ReadOnlyRecordError):
        remove_attachment(att, actor=people["qa"], reason="x")  # looked up through the registry
    db.session.rollback()
    assert attachments_of("example_record", approved.id) == [att]


# --- the generic attach endpoint ----------------------------------------------------------------------


def test_unknown_record_types_and_ids_are_404(client, clerk, record):
    png = [(image_bytes("PNG"), "a.png", "image/png")]
    assert upload(client, record, png, record_type="no_such_record").status_code == 404
    assert upload(client, record.id + 100, png).status_code == 404
    assert client.get("/attachments/no_such_record/1").status_code == 404


def test_a_read_only_record_takes_no_new_attachments(client, new_record, people, login):  # noqa: F811
    approved = new_record("approved")
    login(people["clerk"])
    assert upload(client, approved, [(image_bytes("PNG"), "a.png", "image/png")]).status_code == 403
    assert sign(client, approved, data_url(signature_png())).status_code == 403
    assert count_attachments() == 0


def test_anonymous_users_attach_nothing(client, record):
    response = upload(client, record, [(image_bytes("PNG"), "a.png", "image/png")], headers={})
    assert response.status_code == 302
    assert count_attachments() == 0


def test_a_procedure_may_narrow_who_attaches(client, record, people, login, monkeypatch):  # noqa: F811
    monkeypatch.setattr(EXAMPLE, "may_attach", lambda user, rec: user.id == rec.engineer_id)
    login(people["clerk"])

    assert upload(client, record, [(image_bytes("PNG"), "a.png", "image/png")]).status_code == 403
    panel = client.get(f"/attachments/example_record/{record.id}", headers=HX).get_data(as_text=True)
    assert 'id="attachment-upload-form"' not in panel
    assert 'id="signature-form"' not in panel


def test_the_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client, clerk, record):
    fragment = client.get(f"/attachments/example_record/{record.id}", headers=HX).get_data(as_text=True)
    page = client.get(f"/attachments/example_record/{record.id}").get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="attachment-panel"' in fragment
    assert "<html" in page
    assert 'id="attachment-panel"' in page


def test_the_record_page_offers_upload_and_signature_only_while_editable(client, new_record, people, login):  # noqa: F811
    draft = new_record("draft")
    approved = new_record("approved")
    login(people["clerk"])

    editable = client.get(f"/records/example_record/{draft.id}").get_data(as_text=True)
    assert 'hx-encoding="multipart/form-data"' in editable
    assert "data-signature-pad" in editable
    assert 'id="signature-form"' in editable
    assert "js/signature-pad.js" in editable
    read_only = client.get(f"/records/example_record/{approved.id}").get_data(as_text=True)
    assert 'id="attachment-panel"' in read_only
    assert "data-signature-pad" not in read_only
    assert 'id="attachments-read-only"' in read_only


# --- drawn signatures ---------------------------------------------------------------------------------


def test_a_drawn_signature_is_kept_as_a_cropped_png_with_the_signer(app, client, clerk, record):
    response = sign(client, record, data_url(signature_png()), signer_name=" 李顾客 ")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    [att] = attachments_of("example_record", record.id, AttachmentKind.SIGNATURE)
    assert (att.signer_name, att.content_type, att.filename) == ("李顾客", "image/png", "signature.png")
    assert att.signed_at is not None
    with Image.open(attachment_path(att)) as img:
        assert img.format == "PNG"
        assert img.size[0] < 600
        assert img.size[1] < 200
        dark = sum(img.convert("L").histogram()[:160])
        assert dark > 100
    assert "李顾客" in html
    assert f'data-attachment-id="{att.id}"' in html
    [entry] = entries("attach")
    assert entry.changes["signer_name"] == "李顾客"
    assert entry.changes["attachment_kind"] == "signature"


def test_a_drawing_on_transparent_paper_is_flattened_on_white(record, people):  # noqa: F811
    att = save_signature(
        data_url(signature_png(transparent=True)),
        record_type="example_record",
        record_id=record.id,
        signer_name="王工",
        actor=people["clerk"],
    )
    with Image.open(attachment_path(att)) as img:
        assert img.mode == "RGB"
        assert img.getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    "signature",
    [
        data_url(signature_png(ink=False)),  # a white canvas nobody signed on
        data_url(signature_png(ink=False, transparent=True)),
        "",
    ],
)
def test_a_blank_pad_is_refused_with_a_translated_message(app, client, clerk, record, signature):
    english = sign(client, record, signature)
    chinese = sign(client, record, signature, headers={**HX, "Accept-Language": "zh-CN"})

    assert english.status_code == 422
    assert "The signature box is empty" in english.get_data(as_text=True)
    assert 'id="signature-error"' in english.get_data(as_text=True)
    assert chinese.status_code == 422
    assert "签名框是空的" in chinese.get_data(as_text=True)
    assert count_attachments() == 0
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64," + base64.b64encode(image_bytes("JPEG")).decode(),
        "data:image/png;base64,not base64!!",
        data_url(image_bytes("JPEG")),  # says PNG, is a JPEG
        data_url(signature_png(size=(20, 10))),
        "javascript:alert(1)",
    ],
)
def test_anything_but_a_sane_png_is_not_a_signature(client, clerk, record, signature):
    response = sign(client, record, signature)
    assert response.status_code == 422
    assert 'id="signature-error"' in response.get_data(as_text=True)
    assert count_attachments() == 0


def test_a_missing_name_keeps_the_drawing_on_the_page(client, clerk, record):
    drawing = data_url(signature_png())

    response = sign(client, record, drawing, signer_name="")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="signer_name-error"' in html
    assert 'id="signature-error"' not in html
    assert f'value="{drawing}"' in html
    assert count_attachments() == 0


def test_a_missing_name_and_a_blank_pad_are_both_reported(client, clerk, record):
    html = sign(client, record, data_url(signature_png(ink=False)), signer_name="").get_data(as_text=True)
    assert 'id="signer_name-error"' in html
    assert 'id="signature-error"' in html


def test_a_signature_fits_the_print_signature_block(record, people):  # noqa: F811
    att = save_signature(
        data_url(signature_png()),
        record_type="example_record",
        record_id=record.id,
        signer_name="李顾客",
        actor=people["clerk"],
    )

    block = print_signature(att, "客户签字 Customer")

    assert block.name == "李顾客"
    assert block.signed_at == att.signed_at
    assert block.image == attachment_path(att).read_bytes()
    width, height = block.image_box()
    assert width <= 120
    assert height <= 45
    assert block.image_uri.startswith("data:image/png;base64,")


def test_files_of_a_transaction_that_is_not_committed_are_deleted(app, record, people):  # noqa: F811
    save_upload(
        FakeUpload(image_bytes("PNG"), "a.png"),
        record_type="example_record",
        record_id=record.id,
        actor=people["clerk"],
    )
    assert len(stored_files(app)) == 1
    db.session.rollback()
    assert stored_files(app) == []


# --- configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "per_file", "per_request"),
    [
        ({}, 10 * MB, 51 * MB),
        ({"MAX_UPLOAD_MB": "4"}, 4 * MB, 21 * MB),
        ({"UPLOAD_MAX_BYTES": str(512 * 1024), "MAX_REQUEST_MB": "8"}, 512 * 1024, 8 * MB),
    ],
)
def test_upload_limits_and_folder_come_from_the_environment(
    monkeypatch, tmp_path, env, per_file, per_request
):
    for name in ("MAX_UPLOAD_MB", "UPLOAD_MAX_BYTES", "MAX_REQUEST_MB", "UPLOAD_FOLDER", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QPORTAL_INSTANCE", str(tmp_path / "instance"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    config = Config()

    limits, folder = (config.UPLOAD_MAX_BYTES, config.MAX_CONTENT_LENGTH), config.UPLOAD_FOLDER
    assert limits == (per_file, per_request)
    assert folder == str(tmp_path / "instance" / "uploads")
