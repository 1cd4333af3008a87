"""Drawn 一寸 portraits for the demo people (blue background, head and shoulders): no real faces in the repo."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

BACKGROUNDS = [(67, 142, 219), (60, 130, 210), (255, 255, 255)]
SKIN = [(241, 194, 165), (224, 172, 138), (233, 185, 150)]
HAIR = [(30, 24, 20), (45, 35, 30), (60, 50, 45)]
SHIRTS = [(40, 40, 48), (235, 235, 235), (30, 60, 110)]


def portrait(seed: int) -> bytes:
    """A 295 × 413 PNG: a plain ID-photo background, a face, hair and shoulders, varied by ``seed``."""
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
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
