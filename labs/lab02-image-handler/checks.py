"""The image handler: variant sizes, EXIF orientation and validation, compared with the reference engine."""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image, ImageOps

from labs.grader import StudentError, Submission, check
from reference.handler.engine import EngineSettings
from reference.handler.engine.image import SWAPS_AXES
from reference.handler.engine.variants import fit as reference_fit

FILES = ["imaging.py"]
TIME_LIMIT_S = 120


def _sizes() -> list[tuple[int, int]]:
    rng = random.Random(2)
    edge = [(1, 1), (150, 150), (151, 150), (4000, 3000), (3000, 4000), (100, 50), (10_000, 1), (1, 10_000), (1601, 1600)]
    return edge + [(rng.randint(1, 9000), rng.randint(1, 9000)) for _ in range(300)]


@check(20, hint="scale = min(1, longest / max(w, h)); round each side; never below 1 pixel.")
def fits(sub: Submission) -> None:
    """fit() matches the engine on 300 sizes (aspect kept, never enlarged, at least 1×1)"""
    imaging = sub.module("imaging")
    for size in _sizes():
        for longest in (150, 800, 1600):
            got, expected = tuple(imaging.fit(size, longest)), reference_fit(size, longest)
            assert got == expected, f"fit({size}, {longest}) = {got}, the engine gives {expected}"


@check(15, hint="Read settings.sizes; do not hard-code the three sizes.")
def variants(sub: Submission) -> None:
    """variant_sizes() covers every configured size"""
    imaging = sub.module("imaging")
    for settings in (EngineSettings(), EngineSettings(sizes={"tiny": 64, "hd": 1920})):
        for size in [(4000, 3000), (640, 480), (90, 3000)]:
            got = {name: tuple(value) for name, value in imaging.variant_sizes(size, settings).items()}
            expected = {name: reference_fit(size, px) for name, px in settings.sizes.items()}
            assert got == expected, f"variant_sizes({size}, sizes={settings.sizes}) = {got}, expected {expected}"


@check(15, hint="EXIF orientations: 1-4 keep the axes (identity, mirror, 180°, flip); 5-8 involve a 90° turn.")
def orientation_size(sub: Submission) -> None:
    """display_size() swaps the axes for EXIF orientations 5-8 only"""
    imaging = sub.module("imaging")
    for orientation in [None, 1, 2, 3, 4, 5, 6, 7, 8]:
        expected = (3000, 4000) if orientation in SWAPS_AXES else (4000, 3000)
        got = tuple(imaging.display_size((4000, 3000), orientation))
        assert got == expected, f"display_size((4000, 3000), {orientation}) = {got}, expected {expected}"


def _sideways(orientation: int) -> Image.Image:
    """A small asymmetric image tagged with an EXIF orientation, as a camera would store it."""
    image = Image.new("RGB", (40, 20), (20, 40, 200))
    image.paste((250, 30, 30), (0, 0, 10, 5))  # a red corner shows any turn or mirror
    exif = image.getexif()
    exif[ImageOps.ExifTags.Base.Orientation] = orientation
    image.info["exif"] = exif.tobytes()
    return image


@check(15, hint="ImageOps.exif_transpose applies the tag (and removes it so nobody applies it twice).")
def orientation_pixels(sub: Submission) -> None:
    """upright() turns the pixels as the EXIF tag says"""
    imaging = sub.module("imaging")
    for orientation in (1, 3, 6, 8):
        got = imaging.upright(_sideways(orientation))
        expected = ImageOps.exif_transpose(_sideways(orientation))
        assert got.size == expected.size, f"orientation {orientation}: upright size {got.size}, expected {expected.size}"
        assert got.convert("RGB").tobytes() == expected.tobytes(), f"orientation {orientation}: the pixels are not turned correctly"


def _reason(call: Callable[[], None]) -> str | None:
    try:
        call()
    except StudentError as error:
        if error.is_a("Rejected"):
            return error.reason
        raise
    return None


@check(15, hint="raise Rejected('empty', ...) and Rejected('too_large', ...); exactly max_bytes is allowed.")
def byte_limits(sub: Submission) -> None:
    """check_bytes() rejects empty and oversized files with the engine's reason codes"""
    imaging = sub.module("imaging")
    settings = EngineSettings(max_bytes=1000)
    for size, expected in [(0, "empty"), (1, None), (1000, None), (1001, "too_large"), (10**10, "too_large")]:
        got = _reason(lambda size=size: imaging.check_bytes(size, settings))
        assert got == expected, f"check_bytes({size}) with max_bytes=1000: reason {got!r}, expected {expected!r}"


@check(20, timeout_s=10, hint="Compare width × height with settings.max_pixels using the header's numbers: "
       "never allocate the pixels. Exactly the limit is allowed.")
def pixel_limits(sub: Submission) -> None:
    """check_pixels() stops bombs and impossible sizes from the header alone"""
    imaging = sub.module("imaging")
    settings = EngineSettings(max_pixels=1_000_000)
    cases = [((1000, 1000), None), ((1000, 1001), "too_many_pixels"), ((100_000, 100_000), "too_many_pixels"),
             ((0, 10), "corrupt"), ((10, -1), "corrupt"), ((1, 1), None)]  # fmt: skip
    for (width, height), expected in cases:
        got = _reason(lambda width=width, height=height: imaging.check_pixels(width, height, settings))
        assert got == expected, f"check_pixels({width}, {height}) with max_pixels=1,000,000: reason {got!r}, expected {expected!r}"
