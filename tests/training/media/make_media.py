"""Make the short real videos the training tests upload (committed beside this file; the suite does not run this).

    python3 -m venv /tmp/avenv && /tmp/avenv/bin/pip install av==18.1.0 numpy
    /tmp/avenv/bin/python tests/training/media/make_media.py

``lesson-12s.mp4``: 12 s of H.264 (160 × 90, 10 frames a second, no sound, ``moov`` first), a square crossing a
changing background — what every phone browser plays. ``lesson-10min.mp4``: the same picture for 10 minutes at one
frame every 10 s (a long lesson in a few KB). ``lesson-6s.webm``: 6 s of VP9 in WebM (with the Duration element
the Matroska muxer writes)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).parent


def frames(seconds: int, fps: Fraction, width: int, height: int):
    count = int(seconds * fps)
    for i in range(count):
        img = np.zeros((height, width, 3), dtype=np.uint8)
        img[:, :, 0] = (i * 7) % 256
        img[:, :, 2] = 255 - (i * 5) % 256
        x = int((width - 20) * i / count)
        img[height // 2 - 10 : height // 2 + 10, x : x + 20] = 255
        yield av.VideoFrame.from_ndarray(img, format="rgb24")


def write(name: str, codec: str, seconds: int, options: dict | None = None, fps: Fraction = Fraction(10)) -> None:
    width, height = 160, 90
    with av.open(str(HERE / name), "w", options=options or {}) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "veryslow", "crf": "40", "profile": "baseline"}
        else:
            stream.options = {"crf": "50", "b": "0", "deadline": "good"}
        for frame in frames(seconds, fps, width, height):
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


if __name__ == "__main__":
    write("lesson-12s.mp4", "libx264", 12, {"movflags": "faststart"})
    write("lesson-10min.mp4", "libx264", 600, {"movflags": "faststart"}, fps=Fraction(1, 10))
    write("lesson-6s.webm", "libvpx-vp9", 6)
