"""The registered photo (app/people/photos.py, app/core/storage.py): upload, 一寸 re-encoding, who sees it, and the
S3-compatible backend with range requests (moto stands in for the object store: the same boto3 calls)."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
import sqlalchemy as sa
from PIL import Image

from app.archive.models import ArchiveEvent
from app.core import storage as storage_module
from app.core.storage import LocalStorage, check_key
from app.extensions import db


def image_bytes(size=(600, 800), fmt="JPEG", color=(200, 30, 30), exif_rotate: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_rotate:
        exif = Image.Exif()
        exif[0x0112] = 6  # rotated 90° clockwise: the stored image must come out upright (portrait)
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload(client, person, data: bytes, name="photo.jpg"):
    return client.post(
        f"/people/{person.id}/photo",
        data={"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_the_employer_uploads_a_photo_that_is_stored_as_a_one_inch_jpeg(client, login, world):
    login(world.admin_a)
    page = upload(client, world.person_a, image_bytes(size=(1200, 900), fmt="PNG", exif_rotate=False))
    html = page.get_data(as_text=True)
    assert "已更新 王大锤 的登记照片" in html and 'data-testid="photo"' in html
    photo = client.get(f"/people/{world.person_a.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "no-store" in photo.headers["Cache-Control"]
    stored = Image.open(io.BytesIO(photo.data))
    assert (stored.format, stored.size) == ("JPEG", (295, 413))
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == world.person_a.id).order_by(ArchiveEvent.seq)
    ).all()
    assert "person.photo" in kinds


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(client, login, world):
    login(world.admin_a)
    upload(client, world.person_a, image_bytes(size=(800, 600), exif_rotate=True))
    stored = Image.open(io.BytesIO(client.get(f"/people/{world.person_a.id}/photo").data))
    assert stored.size == (295, 413)
    db.session.expire_all()
    assert db.session.get(type(world.person_a), world.person_a.id).photo_key.startswith(f"photos/{world.person_a.id}/")


def test_what_is_not_a_photo_is_refused_with_a_clear_message(client, login, world):
    login(world.admin_a)
    html = upload(client, world.person_a, b"%PDF-1.4 not an image", name="photo.jpg").get_data(as_text=True)
    assert "无法识别的照片文件" in html and 'data-testid="photo"' not in html
    html = upload(client, world.person_a, b"x", name="photo.gif").get_data(as_text=True)
    assert "只接受 JPG、PNG 或 WebP 照片" in html


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, login, world, app):
    bomb = image_bytes(size=(8000, 6000), fmt="PNG", color=(0, 0, 0))  # 48 Mpx of one colour: a small file
    assert len(bomb) < 1_000_000
    login(world.admin_a)
    html = upload(client, world.person_a, bomb, name="bomb.png").get_data(as_text=True)
    assert "照片像素过多（8000 × 6000 像素，最多 12 百万像素）" in html


def test_a_small_png_of_6300_by_6300_is_refused_by_its_decoded_size_not_decoded(client, login, world):
    """116 KB on disk, ~450 MB to decode as it was: refused on the header's size, in bounded time and memory."""
    bomb = image_bytes(size=(6300, 6300), fmt="PNG", color=(255, 255, 255))
    assert len(bomb) < 200_000
    login(world.admin_a)
    tracemalloc.start()
    start = time.process_time()
    html = upload(client, world.person_a, bomb, name="big.png").get_data(as_text=True)
    seconds, peak = time.process_time() - start, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "照片像素过多（6300 × 6300 像素，最多 12 百万像素），请缩小后再上传。" in html
    assert seconds < 5 and peak < 40 * 1024 * 1024
    db.session.expire_all()
    assert db.session.get(type(world.person_a), world.person_a.id).photo_key is None


def test_a_large_jpeg_decodes_at_a_fraction_of_its_size(client, login, world):
    """A 48 MP phone photo is over the pixel limit but a JPEG decodes at 1/2 scale (12 MP): it is accepted."""
    login(world.admin_a)
    html = upload(client, world.person_a, image_bytes(size=(6000, 8000)), name="phone.jpg").get_data(as_text=True)
    assert "已更新 王大锤 的登记照片" in html


def test_who_sees_the_photo_and_who_may_change_it(client, login, world, factory):
    login(world.admin_a)
    upload(client, world.person_a, image_bytes())
    assert login(world.regulator_nj).get(f"/people/{world.person_a.id}/photo").status_code == 200
    assert login(world.worker_a).get(f"/people/{world.person_a.id}/photo").status_code == 200
    assert login(world.admin_b).get(f"/people/{world.person_a.id}/photo").status_code == 404  # not their staff
    assert login(world.regulator_sz).get(f"/people/{world.person_a.id}/photo").status_code == 404
    client.post("/logout")
    assert client.get(f"/people/{world.person_a.id}/photo").status_code == 302  # guests go to the login page
    # a second employer may not replace the photo of someone another enterprise also employs
    factory.employ(world.ent_b, name="王大锤", id_number=world.person_a.id_number, actor=world.admin_b)
    factory.commit()
    before = db.session.get(type(world.person_a), world.person_a.id).photo_sha256
    html = upload(login(world.admin_b), world.person_a, image_bytes(color=(0, 0, 255))).get_data(as_text=True)
    assert "只有本人、其唯一在职单位或监管部门可以更换登记照片" in html
    db.session.expire_all()
    assert db.session.get(type(world.person_a), world.person_a.id).photo_sha256 == before


def test_storage_keys_cannot_climb_out_and_files_have_no_public_url(client, app):
    for bad in ("../etc/passwd", "/etc/passwd", "photos/../../x", "photos\\x.jpg", "photos"):
        with pytest.raises(ValueError, match="bad storage key"):
            check_key(bad)
    local = LocalStorage(app.config["STORAGE_DIR"])
    local.put("photos/1/abc.jpg", b"secret", "image/jpeg")
    assert client.get("/storage/photos/1/abc.jpg").status_code == 404  # no route serves the store
    assert client.get("/static/../instance/storage/photos/1/abc.jpg").status_code == 404


def test_the_s3_backend_stores_reads_and_answers_range_requests(app, s3):
    data = bytes(range(256)) * 40
    stored = s3.put("lessons/7/video.mp4", data, "video/mp4")
    assert stored.size == len(data) and s3.size("lessons/7/video.mp4") == len(data)
    assert s3.read("lessons/7/video.mp4") == data and s3.size("lessons/7/missing.mp4") is None
    with app.test_request_context(headers={"Range": "bytes=100-199"}):
        response = storage_module.send_stored("lessons/7/video.mp4", content_type="video/mp4")
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
        assert response.get_data() == data[100:200]
    with app.test_request_context():
        response = storage_module.send_stored("lessons/7/video.mp4", content_type="video/mp4")
        assert response.status_code == 200 and response.get_data() == data


def test_local_files_answer_range_requests_too(client, login, world, app):
    login(world.admin_a)
    upload(client, world.person_a, image_bytes())
    full = client.get(f"/people/{world.person_a.id}/photo").data
    part = client.get(f"/people/{world.person_a.id}/photo", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == full[:10]
