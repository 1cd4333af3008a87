"""Face comparison for 人像抓拍: one pluggable checker behind the ``ANPEI_FACE_CHECKER`` setting.

``compare(registered_jpeg, snapshot_jpeg)`` answers whether a snapshot shows the person of the registered
一寸 photo.  The default checker is ``"off"``: no comparison is made and ``compare`` returns None, so snapshots are
only kept for people to look at.  A checker never refuses credit by itself: a mismatch (or no face found) flags
the snapshot for review by the class organiser or regulator.

Checkers are a small registry, name → factory (``CHECKERS``). The one real checker, ``"dlib"``, is dlib's face
recognition (the ``dlib-bin`` wheel, nothing to compile) with the trained models of ``face_recognition_models``
(the ``face_recognition`` package itself is not used: it requires the ``dlib`` distribution, which pip compiles from
source; what it does for a comparison is the few lines of ``DlibChecker``):

- faces are found by dlib's HOG frontal face detector, on the image scaled to at most ``MAX_SIDE`` px and
  upsampled once, so faces down to ~40 px wide are found (the detector's window is 80 px): a head in a 640 × 480
  webcam frame or the face of a 295 × 413 一寸 photo. A detection counts from a score of ``DETECTION_SCORE``
  (dlib's default is 0): round badges and patches on clothes scored up to 0.2 in our tests, faces 1.0 and more;
- each face is aligned on 5 landmarks and mapped by dlib's ResNet to a 128-number descriptor; two faces are the
  same person when the Euclidean distance is under 0.6, dlib's own threshold (dlib's python_examples/
  face_recognition.py: "When using a distance threshold of 0.6, the dlib model obtains an accuracy of 99.38% on
  the standard LFW face recognition benchmark"; face_recognition's ``compare_faces`` defaults to the same 0.6);
- ``matched`` only with exactly one face in each image and that distance under the threshold. With several faces
  ``distance`` is still the closest pair (a reviewer sees "the trainee, and someone else").

The heavy package is imported when a checker is first used, never by ``import app``; a loaded checker is kept for
the process and used under a lock (dlib's detectors and networks are not safe to share between threads), so gunicorn
threads and Celery workers each load it once. The registered photo's faces are cached by its content.

**Face detection** is a second, separate setting, ``ANPEI_FACE_DETECTOR`` (``dlib`` by default, or ``off``): it only
counts the faces in a picture (no descriptor, no identity, nothing kept), so that a 人像抓拍 must show exactly one face
and a registered photo must show one (``count_faces``). ``dlib`` is the same HOG detector, upsampled once, scores from
``DETECTION_SCORE``; each thread loads its own (0.45 s once; detection releases the GIL, so the threads of a gunicorn
worker detect side by side). Measured on this 2-core box: ~0.12 s of CPU per 640 × 480 snapshot (docs/snapshots.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from PIL import Image

from app.core.errors import DomainError
from app.people.images import decode_image
from config import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceMatch:
    """What a checker saw: faces found in each image, and whether the snapshot's face is the registered one."""

    checker: str
    registered_faces: int
    snapshot_faces: int
    distance: float | None  # smaller is more alike; None when a face is missing
    matched: bool

    @property
    def needs_review(self) -> bool:
        return not self.matched


class Checker(Protocol):
    name: str

    def compare(self, registered_jpeg: bytes, snapshot_jpeg: bytes) -> FaceMatch: ...


#: Images larger than this (either side) are scaled down before detection: a webcam frame stays as it is.
MAX_SIDE = 800


class DlibChecker:
    """dlib's HOG face detector, 5-point alignment and ResNet descriptor (models from ``face_recognition_models``)."""

    name = "dlib"
    #: dlib's recommended distance threshold for its ResNet descriptor (99.38 % on LFW).
    THRESHOLD = 0.6
    #: Detector score from which a detection is a face (see the module's docstring).
    DETECTION_SCORE = 0.5
    UPSAMPLE = 1
    #: Registered photos whose descriptors are kept (by sha256): every snapshot of a person compares to the same one.
    CACHE_SIZE = 256

    def __init__(self) -> None:
        import dlib  # the heavy import: only here, when the checker is first used

        models = _package_dir("face_recognition_models") / "models"
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self._encoder = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
        self._lock = threading.Lock()
        self._registered: OrderedDict[str, list] = OrderedDict()
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()  # a fork while another thread held it must not leave the child locked out

    def compare(self, registered_jpeg: bytes, snapshot_jpeg: bytes) -> FaceMatch:
        import numpy as np

        key = hashlib.sha256(registered_jpeg).hexdigest()
        with self._lock:
            registered = self._registered.get(key)
            if registered is not None:
                self._registered.move_to_end(key)
        if registered is None:
            registered = self._faces(_decode(registered_jpeg, "photo"))
            with self._lock:
                self._registered[key] = registered
                while len(self._registered) > self.CACHE_SIZE:
                    self._registered.popitem(last=False)
        snapshot = self._faces(_decode(snapshot_jpeg, "snapshot"))
        distance = None
        if registered and snapshot:
            distance = min(float(np.linalg.norm(a - b)) for a in registered for b in snapshot)
        matched = len(registered) == 1 and len(snapshot) == 1 and distance < self.THRESHOLD
        return FaceMatch(self.name, len(registered), len(snapshot), distance, matched)

    def _faces(self, image) -> list:
        """One 128-number descriptor per face found (none in an image that could not be read)."""
        import numpy as np

        if image is None:
            return []
        with self._lock:
            faces, _scores, _kinds = self._detector.run(image, self.UPSAMPLE, self.DETECTION_SCORE)
            return [
                np.array(self._encoder.compute_face_descriptor(image, self._landmarks(image, face), 0))
                for face in faces
            ]


class Detector(Protocol):
    name: str

    def count(self, image) -> int: ...


class DlibDetector:
    """dlib's HOG frontal face detector alone: how many faces a picture shows (the checker's detection rule)."""

    name = "dlib"

    def __init__(self) -> None:
        self._local = threading.local()

    def _detector(self):
        detector = getattr(self._local, "detector", None)
        if detector is None:  # one per thread: sharing one between threads would need a lock around every run
            import dlib

            detector = self._local.detector = dlib.get_frontal_face_detector()
        return detector

    def count(self, image) -> int:
        """Faces in ``image`` (a Pillow image, any mode), scaled to at most :data:`MAX_SIDE` px first."""
        import numpy as np

        image = image.convert("RGB")
        if max(image.size) > MAX_SIDE:
            image = image.copy()
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        faces, _scores, _kinds = self._detector().run(
            np.asarray(image), DlibChecker.UPSAMPLE, DlibChecker.DETECTION_SCORE
        )
        return len(faces)


#: name → factory of a checker; "off" has none (``compare`` returns None).
CHECKERS: dict[str, Callable[[], Checker] | None] = {"off": None, "dlib": DlibChecker}
#: name → factory of a face detector; "off" has none (``count_faces`` returns None).
DETECTORS: dict[str, Callable[[], Detector] | None] = {"off": None, "dlib": DlibDetector}
#: The packages a checker needs, checked at start-up without importing them.
PACKAGES = {"dlib": {"dlib": "dlib-bin", "face_recognition_models": "face_recognition_models", "numpy": "numpy"}}

_loaded: dict[str, Checker] = {}
_detectors: dict[str, Detector] = {}
_loading = threading.Lock()


def _after_fork() -> None:
    global _loading
    _loading = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def checker_name() -> str:
    return current_app.config.get("FACE_CHECKER", "off")


def detector_name() -> str:
    return current_app.config.get("FACE_DETECTOR", "off")


def check_setting(name: str, *, setting: str = "ANPEI_FACE_CHECKER", choices: dict | None = None) -> None:
    """:raises ConfigError: ``name`` is no checker (or detector), or a package it needs is not installed."""
    choices = CHECKERS if choices is None else choices
    if name not in choices:
        raise ConfigError(f"{setting} must be one of {', '.join(choices)}, not {name!r}")
    missing = [dist for module, dist in PACKAGES.get(name, {}).items() if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError(
            f"{setting}={name} needs {', '.join(missing)} (requirements.txt): pip install -r requirements.txt"
        )


def get_checker(name: str) -> Checker | None:
    """The checker called ``name``, loaded on first use and then kept for the process; None for "off"."""
    checker = _loaded.get(name)
    if checker is not None:
        return checker
    check_setting(name)
    factory = CHECKERS[name]
    if factory is None:
        return None
    with _loading:
        if name not in _loaded:
            _loaded[name] = factory()
        return _loaded[name]


def compare(registered_jpeg: bytes, snapshot_jpeg: bytes) -> FaceMatch | None:
    """Compare the two images with the configured checker; None when face checking is off.

    An image that cannot be read counts as one without a face (so the snapshot is flagged for review).

    :raises ConfigError: the setting names no checker, or its package is not installed.
    """
    checker = get_checker(checker_name())
    return None if checker is None else checker.compare(registered_jpeg, snapshot_jpeg)


def get_detector(name: str) -> Detector | None:
    """The face detector called ``name``, made on first use and kept for the process; None for "off"."""
    detector = _detectors.get(name)
    if detector is not None:
        return detector
    check_setting(name, setting="ANPEI_FACE_DETECTOR", choices=DETECTORS)
    factory = DETECTORS[name]
    if factory is None:
        return None
    with _loading:
        if name not in _detectors:
            _detectors[name] = factory()
        return _detectors[name]


def count_faces(image) -> int | None:
    """How many faces the Pillow ``image`` shows, by the configured detector; None when detection is off.

    :raises ConfigError: the setting names no detector, or its package is not installed.
    """
    detector = get_detector(detector_name())
    return None if detector is None else detector.count(image)


def _decode(data: bytes, code: str):
    """The image as an RGB numpy array, upright and at most ``MAX_SIDE`` px a side, read within the pixel limit of
    every picture (``app.people.images``); None when it cannot be read (``code``: ``photo`` or ``snapshot``)."""
    import numpy as np

    try:
        image = decode_image(data, max_bytes=None, code=code, side=MAX_SIDE)  # a JPEG decodes at a fraction: faster
    except DomainError as error:
        log.warning("face check: a picture was not read (%s %s)", error.code, error.params)
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(image)


def _package_dir(module: str) -> Path:
    """Where an installed package lies, found without importing it (``face_recognition_models`` imports the
    deprecated ``pkg_resources`` just to say where its files are)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the package {module} is not installed: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations)))


faces_cli = AppGroup("faces", help="人像抓拍 face checks.")


@faces_cli.command("check")
@click.argument("registered", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("snapshot", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--checker", "name", help="A checker's name (default: ANPEI_FACE_CHECKER).")
def check_command(registered: Path, snapshot: Path, name: str | None):
    """Compare a registered photo with a snapshot, as 人像抓拍 would."""
    for path, code in ((registered, "photo"), (snapshot, "snapshot")):
        try:  # within the one pixel limit of pictures, as an upload of it would be
            decode_image(path.read_bytes(), max_bytes=None, code=code)
        except DomainError as error:
            raise click.ClickException(f"{path.name}: {error.message}") from None
    name = name or checker_name()
    try:
        checker = get_checker(name)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if checker is None:
        raise click.ClickException("face checking is off: set ANPEI_FACE_CHECKER or pass --checker")
    result = checker.compare(registered.read_bytes(), snapshot.read_bytes())
    distance = "-" if result.distance is None else f"{result.distance:.3f}"
    click.echo(
        f"checker={result.checker} registered_faces={result.registered_faces} "
        f"snapshot_faces={result.snapshot_faces} distance={distance} "
        + ("matched" if result.matched else "needs review")
    )


def init_app(app: Flask) -> None:
    """Check the settings at start-up (without loading a checker or detector) and add ``flask faces check``."""
    check_setting(app.config.get("FACE_CHECKER", "off"))
    check_setting(app.config.get("FACE_DETECTOR", "off"), setting="ANPEI_FACE_DETECTOR", choices=DETECTORS)
    app.cli.add_command(faces_cli)
