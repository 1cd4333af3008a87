"""Pictures for the 人像抓拍 and registered-photo tests.

``pattern(seed)``: a picture without a face that differs from every other seed's (random grey blocks), for tests
about other rules: a snapshot must not be the same picture as an earlier one, so each upload needs its own.
Real faces come from packages (dev requirements): scikit-image's astronaut (Eileen Collins) and matplotlib's
portrait of Grace Hopper; ``webcam`` places one in a 640 × 480 frame as a camera would see it.
"""

from __future__ import annotations

import io
import random

import matplotlib.cbook
from PIL import Image, ImageEnhance
from skimage import data

ASTRONAUT = Image.fromarray(data.astronaut())  # 512 × 512, one face (and a round mission patch)
HOPPER = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pattern_image(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = random.Random(seed)
    blocks = Image.new("L", (8, 6))
    blocks.putdata([rng.randrange(256) for _ in range(48)])
    return blocks.resize(size, Image.Resampling.NEAREST).convert("RGB")


def pattern(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG of random grey blocks: no face, and another picture for every seed."""
    return jpeg(pattern_image(seed, size))


def frame(
    face: Image.Image,
    *,
    height: int = 400,
    at: tuple[int, int] | None = None,
    background=(118, 122, 128),
    brightness: float = 1.0,
) -> Image.Image:
    """``face`` scaled to ``height`` px in a 640 × 480 room (centred unless ``at``), lighter or darker."""
    room = Image.new("RGB", (640, 480), background)
    scaled = face.resize((round(face.width * height / face.height), height), Image.Resampling.LANCZOS)
    x, y = at if at is not None else ((640 - scaled.width) // 2, (480 - scaled.height) // 2)
    room.paste(scaled, (x, y))
    return ImageEnhance.Brightness(room).enhance(brightness) if brightness != 1.0 else room


def webcam(face: Image.Image, **placement) -> bytes:
    """A snapshot as the page sends it: a 640 × 480 JPEG of :func:`frame`."""
    return jpeg(frame(face, **placement), quality=80)


def two_faces() -> bytes:
    """The astronaut and Grace Hopper side by side in one 640 × 480 frame."""
    room = Image.new("RGB", (640, 480), (90, 90, 100))
    room.paste(ASTRONAUT.resize((300, 300)), (10, 90))
    room.paste(HOPPER.resize((290, 340)), (340, 70))
    return jpeg(room)


def y4m(frames: list[Image.Image], path, fps: int = 10) -> None:
    """Write ``frames`` (all one size) as a YUV4MPEG2 4:2:0 file: what Chromium's fake camera plays
    (``--use-file-for-fake-video-capture``), looping."""
    w, h = frames[0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420\n".encode())
        for image in frames:
            y, cb, cr = image.convert("YCbCr").split()
            half = (w // 2, h // 2)
            out.write(b"FRAME\n" + y.tobytes())
            out.write(cb.resize(half, Image.Resampling.BILINEAR).tobytes())
            out.write(cr.resize(half, Image.Resampling.BILINEAR).tobytes())
