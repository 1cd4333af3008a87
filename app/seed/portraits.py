"""Portraits for the demo people: real face photos that installed packages ship, so that the face detector (on by
default) and the face checker (``ANPEI_FACE_CHECKER=dlib``) work on the demo as on real data.

The two faces are scikit-image's ``astronaut`` (Eileen Collins, NASA) and matplotlib's sample portrait of Grace Hopper
(both in requirements-dev.txt, which ``scripts/run.sh`` installs). A demo person's registered photo is one of them,
cropped and lit a little differently per person; their 人像抓拍 are the same face placed elsewhere in a 640 × 480
"webcam" frame, so each is another picture (the same picture again is refused) of the same face; ``someone_else``
gives the other face. Without those packages the demo falls back to drawn portraits (no real face): then run it with
``ANPEI_FACE_DETECTOR=off``.
"""

from __future__ import annotations

import functools
import io
import random

from PIL import Image, ImageDraw, ImageEnhance

BACKGROUNDS = [(67, 142, 219), (60, 130, 210), (255, 255, 255)]
SKIN = [(241, 194, 165), (224, 172, 138), (233, 185, 150)]
HAIR = [(30, 24, 20), (45, 35, 30), (60, 50, 45)]
SHIRTS = [(40, 40, 48), (235, 235, 235), (30, 60, 110)]


@functools.cache
def faces() -> tuple[Image.Image, ...]:
    """The packaged face photos (astronaut, Grace Hopper) as RGB images, or none when a package is missing."""
    try:
        import matplotlib.cbook
        from skimage import data
    except ImportError:
        return ()
    astronaut = Image.fromarray(data.astronaut())
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as hopper:
        return astronaut, hopper.convert("RGB")


def face_of(seed: int) -> Image.Image | None:
    """The face the demo person ``seed`` has (alternating between the two), or None without the packages."""
    found = faces()
    return found[seed % len(found)] if found else None


@functools.lru_cache(maxsize=64)  # pure in its arguments; the PNG encoding is most of a demo seed's time
def portrait(seed: int) -> bytes:
    """The registered-photo upload of demo person ``seed``: their face, cropped and lit per seed (a PNG)."""
    face = face_of(seed)
    if face is None:
        return drawn_portrait(seed)
    rng = random.Random(seed)
    w, h = face.size
    margin = rng.randint(0, w // 16)
    cropped = face.crop((margin, rng.randint(0, h // 20), w - rng.randint(0, w // 16), h))
    return _png(ImageEnhance.Brightness(cropped).enhance(rng.uniform(0.92, 1.08)))


#: Where the face sits in each successive webcam frame of a person: (height px, x, y) in 640 × 480.
PLACES = [(400, 150, 40), (300, 20, 150), (340, 300, 100), (260, 360, 10)]


@functools.lru_cache(maxsize=256)
def webcam_frame(seed: int, moment: int, *, someone_else: bool = False) -> bytes:
    """A 640 × 480 JPEG "webcam frame" of demo person ``seed`` at their ``moment``-th snapshot: the face in a room,
    placed differently each moment; ``someone_else``: the other face at that place."""
    face = face_of(seed + 1 if someone_else else seed)
    room = Image.new("RGB", (640, 480), (150, 150, 145))
    height, x, y = PLACES[moment % len(PLACES)]
    if face is None:
        face = Image.open(io.BytesIO(drawn_portrait(seed + 1000 if someone_else else seed))).convert("RGB")
    room.paste(face.resize((round(face.width * height / face.height), height), Image.Resampling.LANCZOS), (x, y))
    out = io.BytesIO()
    room.save(out, "JPEG", quality=80)
    return out.getvalue()


def drawn_portrait(seed: int) -> bytes:
    """A 295 × 413 PNG: a plain ID-photo background, a drawn face, hair and shoulders, varied by ``seed``."""
    rng = random.Random(seed)
    w, h = 295, 413
    image = Image.new("RGB", (w, h), rng.choice(BACKGROUNDS))
    draw = ImageDraw.Draw(image)
    shirt, skin, hair = rng.choice(SHIRTS), rng.choice(SKIN), rng.choice(HAIR)
    draw.ellipse((20, 300, w - 20, h + 160), fill=shirt)  # shoulders
    draw.rectangle((120, 250, 175, 320), fill=skin)  # neck
    face = (80 + rng.randint(-6, 6), 95, 215 + rng.randint(-6, 6), 275)
    draw.ellipse(face, fill=skin)
    draw.chord((face[0] - 4, face[1] - 22, face[2] + 4, face[1] + 95), 180, 360, fill=hair)  # hair
    for x in (118, 165):  # eyes
        draw.ellipse((x, 170, x + 14, 180), fill=(40, 30, 30))
    draw.arc((125, 210, 170, 240), 20, 160, fill=(150, 80, 70), width=3)  # mouth
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
