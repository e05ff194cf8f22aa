"""Avatars: EXIF orientation, square crops and srcsets, and animations budgeted from their headers.

Every check draws its inputs at random (seeded: a failure names the seed, and
`p4lab grade lab02 --seed N` repeats it). Orientation is checked against the ideal transform
(a viewer applying the EXIF tag) for all eight values; crops by the properties a crop must
have; headers and srcsets against the answer key or the numbers the file was built with.
``samples.py`` makes the inputs: use it to test your code.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

from labs.grader import StudentError, Submission, check, type_name
from reference.handler.engine import EngineSettings

FILES = ["avatars.py"]
TIME_LIMIT_S = 180

_spec = importlib.util.spec_from_file_location("lab02_samples", Path(__file__).with_name("samples.py"))
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

ORIENTATIONS = range(1, 9)
MIRRORED, TURNED = (2, 4, 5, 7), (5, 6, 7, 8)  # a mirror image; a quarter turn (width and height swap)
ASPECTS = [(1, 1), (4, 3), (3, 4), (16, 9), (9, 16), (3, 2), (2, 3), (21, 9)]
DENSITIES = [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.625, 3, 3.5, 4]  # exact in binary: slot × density is exact
HEADER_MEMORY_MB = 256  # the student's address space when reading headers: ~60 MB is used, a bomb's canvas does not fit
AVATAR_TOLERANCE = 6.0  # mean difference per channel (of 255) allowed for another filter or a box 1 px off


def _describe(data: bytes) -> str:
    return f"<{len(data):,} bytes starting {data[:12]!r}>"


def _header(avatars: Any, data: bytes) -> tuple:
    got = avatars.read_header(data)
    fields = tuple(got) if type_name(got) == "Header" or isinstance(got, tuple) else ()
    assert len(fields) == 4, f"read_header({_describe(data)}) returned {got!r}, not a Header (4 fields)"
    return fields


def _compare_headers(sub: Submission, files: list[tuple[str, bytes]]) -> None:
    avatars, key = sub.module("avatars"), sub.answer("avatars")
    for what, data in files:
        got, expected = _header(avatars, data), tuple(key.read_header(data))
        assert got == expected, f"read_header of {what} {_describe(data)}: {got}, expected {expected}"


@check(
    15,
    timeout_s=10,
    memory_mb=HEADER_MEMORY_MB,
    hint="A GIF is a screen descriptor, then blocks; each block's data comes in sub-blocks that "
    "say their own length. Frames are image descriptors: count them, decode nothing.",
)
def gif_headers(sub: Submission) -> None:
    """read_header() gives the canvas and frame count of GIFs, real ones and 65,535-pixel-wide bombs"""
    rng = sub.rng
    files = [(f"a {size[0]}×{size[1]} GIF of {frames} frames", samples.pillow_gif(rng, size, frames))
             for size, frames in [((rng.randrange(1, 120), rng.randrange(1, 120)), rng.randrange(1, 7)) for _ in range(3)]]  # fmt: skip
    width, height, frames = rng.randrange(20_000, 65_536), rng.randrange(20_000, 65_536), rng.randrange(2, 60)
    files.append((f"a {width}×{height} GIF of {frames} one-pixel frames", samples.gif(width, height, frames, rng)))
    _compare_headers(sub, files)


@check(
    15,
    timeout_s=10,
    memory_mb=HEADER_MEMORY_MB,
    hint="A WebP is a RIFF file: chunks of a four-letter name, a size, the data (padded to an even "
    "length). The first chunk says which of three layouts it is; the WebP container "
    "specification says where each keeps the canvas size.",
)
def webp_headers(sub: Submission) -> None:
    """read_header() gives the canvas and frame count of lossy, lossless, extended and animated WebPs, and of bombs"""
    rng = sub.rng
    files = []
    for kind in ("lossy", "lossless", "alpha", "animated"):
        size, frames = (rng.randrange(1, 120), rng.randrange(1, 120)), rng.randrange(2, 7)
        files.append((f"a {kind} {size[0]}×{size[1]} WebP", samples.pillow_webp(rng, size, frames, kind)))
    width, height, frames = rng.randrange(12_000, 16_385), rng.randrange(12_000, 16_385), rng.randrange(2, 60)
    files.append((f"a {width}×{height} WebP of {frames} one-pixel frames", samples.webp_animation(width, height, frames)))
    _compare_headers(sub, files)


def _reason(call: Callable[[], Any]) -> str | None:
    """The reason code of the ``Rejected`` the student's code raised, or None if it returned."""
    try:
        call()
    except StudentError as error:
        if error.is_a("Rejected"):
            return str(error.reason)
        raise
    return None


@check(
    5,
    timeout_s=10,
    memory_mb=HEADER_MEMORY_MB,
    hint="Every way a file can fail has its reason code: nothing at all, a format you do not read, or one that "
    "breaks its own rules (ends early, a canvas of zero pixels, no frame).",
)
def refusals(sub: Submission) -> None:
    """read_header() refuses empty, unknown, truncated and impossible files with the engine's reason codes"""
    avatars, rng = sub.module("avatars"), sub.rng
    animation = rng.choice([samples.gif(40, 30, 3, rng), samples.webp_animation(40, 30, 3)])
    raw = samples.photo(rng, (8, 8)).tobytes()
    cases = [
        ("an empty file", b"", "empty"),
        ("a raw RGB buffer", raw, "unsupported_format"),
        ("a file cut short", animation[: rng.randrange(13, len(animation) - 1)], "corrupt"),
        ("a GIF with a 0-pixel-wide canvas", samples.gif(0, rng.randrange(1, 500), 2, rng), "corrupt"),
        ("a GIF with no frame", samples.gif(rng.randrange(1, 500), rng.randrange(1, 500), 0, rng), "corrupt"),
    ]
    for what, data, expected in cases:
        got = _reason(lambda data=data: avatars.read_header(data))
        assert got == expected, f"read_header({what}, {_describe(data)}): reason {got!r}, expected {expected!r}"


@check(
    15,
    timeout_s=10,
    memory_mb=HEADER_MEMORY_MB,
    hint="Decoding an animation draws every frame on the whole canvas. What does it cost to "
    "decode them all, and what if it is a thousand frames of a 100 × 100 canvas?",
)
def budget(sub: Submission) -> None:
    """admit() budgets canvas × frames from the headers, exactly at the limit and one over, and refuses bombs fast"""
    avatars, rng = sub.module("avatars"), sub.rng
    bomb = samples.gif(65_535, 65_535, rng.randrange(100, 1000), rng)
    got = _reason(lambda: avatars.admit(bomb, EngineSettings()))
    assert got == "too_many_pixels", f"admit(a 65,535×65,535 GIF bomb of {_describe(bomb)}): reason {got!r}, expected 'too_many_pixels'"
    width, height, frames = rng.randrange(50, 1200), rng.randrange(50, 1200), rng.randrange(2, 120)
    decoded = width * height * frames
    cases = [  # (frames limit, pixels limit, expected reason)
        (frames, decoded, None),
        (frames, decoded - 1, "too_many_pixels"),
        (frames - 1, decoded, "too_many_frames"),
        (frames - 1, decoded - 1, "too_many_frames"),  # both over: the frame count, counted first
        (rng.randrange(frames, 5000), rng.randrange(width * height, decoded), "too_many_pixels"),  # each frame fits, not all
    ]
    build = rng.choice([samples.gif, lambda w, h, n, r: samples.webp_animation(w, h, n)])
    data = build(width, height, frames, rng)
    for max_frames, max_pixels, expected in cases:
        settings = EngineSettings(max_frames=max_frames, max_pixels=max_pixels)
        shown = f"admit(a {width}×{height} animation of {frames} frames) with max_frames={max_frames:,}, max_pixels={max_pixels:,}"
        got = _reason(lambda settings=settings: avatars.admit(data, settings))
        assert got == expected, f"{shown}: reason {got!r}, expected {expected!r}"


@check(
    15,
    hint="EXIF numbers the eight ways a camera can store a picture: which side the first stored row is "
    "shown on, and which side the first stored column. Work out each from that.",
)
def orientation_points(sub: Submission) -> None:
    """to_display() sends every stored pixel where a viewer shows it, for all eight orientations"""
    avatars, rng = sub.module("avatars"), sub.rng
    for size in [(rng.randrange(2, 48), rng.randrange(2, 48)), rng.choice([(1, rng.randrange(2, 30)), (rng.randrange(2, 30), 1)])]:
        for orientation in ORIENTATIONS:
            points = [(rng.randrange(size[0]), rng.randrange(size[1])) for _ in range(3)]
            for point, expected in zip(points, samples.displayed_at(size, orientation, points), strict=True):
                got = tuple(avatars.to_display(point, size, orientation))
                assert got == expected, f"to_display({point}, {size}, {orientation}) = {got}; a viewer shows it at {expected}"
    got = tuple(avatars.to_display((0, 0), (3, 2), None))
    assert got == (0, 0), f"to_display((0, 0), (3, 2), None) = {got}: no tag means orientation 1"


@check(10, hint="Pillow's Image.transpose has seven ways to turn and mirror; each orientation but 1 needs one of them.")
def orientation_pixels(sub: Submission) -> None:
    """upright() turns and mirrors random images exactly as a viewer shows them, for all eight orientations"""
    avatars = sub.module("avatars")
    for orientation in ORIENTATIONS:
        image = samples.noise(sub.rng, (sub.rng.randrange(1, 40), sub.rng.randrange(1, 40)))
        got, expected = avatars.upright(image, orientation), samples.shown(image, orientation)
        assert isinstance(got, Image.Image), f"upright(..., {orientation}) returned {type(got).__name__}, not an image"
        assert got.size == expected.size, f"upright(a {image.size} image, {orientation}) is {got.size}, expected {expected.size}"
        assert got.convert("RGB").tobytes() == expected.tobytes(), f"upright(a {image.size} image, {orientation}): wrong pixels"


def _check_box(box: Any, size: tuple[int, int], aspect: tuple[int, int], focus: tuple[int, int] | None) -> None:
    """What any correct cover box satisfies (rounding may differ by a pixel)."""
    shown = f"cover_box({size}, {aspect}, {focus}) = {box}"
    assert isinstance(box, tuple) and len(box) == 4 and all(type(v) is int for v in box), f"{shown}: not 4 integers"
    (width, height), (aspect_w, aspect_h) = size, aspect
    left, top, right, bottom = box
    assert 0 <= left < right <= width and 0 <= top < bottom <= height, f"{shown}: not inside the image"
    box_w, box_h = right - left, bottom - top
    assert box_w == width or box_h == height, f"{shown}: not the largest box (it touches neither both sides nor top and bottom)"
    ideal = (box_h * aspect_w / aspect_h, box_w) if box_h == height else (box_w, box_w * aspect_h / aspect_w)
    free = 0 if box_h == height else 1
    assert abs((box_w, box_h)[free] - ideal[free]) < 1, f"{shown}: {box_w}×{box_h} is not {aspect_w}:{aspect_h} (to a pixel)"
    centre = (width / 2, height / 2) if focus is None else (focus[0] + 0.5, focus[1] + 0.5)
    for axis, (low, high, extent) in enumerate([(left, right, width), (top, bottom, height)]):
        middle = (low + high) / 2
        if low > 0 and high < extent:
            assert abs(middle - centre[axis]) <= 1, f"{shown}: not centred on {'the centre' if focus is None else focus}"
        elif low == 0 and high < extent:
            assert centre[axis] <= middle + 1, f"{shown}: the box could move towards {'the centre' if focus is None else focus}"
        elif high == extent and low > 0:
            assert centre[axis] >= middle - 1, f"{shown}: the box could move towards {'the centre' if focus is None else focus}"


@check(
    10,
    hint="Two questions: how big (one side of the box is a whole side of the image), and where (as close to the focus as the edges allow).",
)
def cover(sub: Submission) -> None:
    """cover_box() is the largest box of the aspect ratio, centred on the focus unless an edge is in the way"""
    avatars, rng = sub.module("avatars"), sub.rng
    for number in range(12):
        size = (rng.randrange(1, 5000), rng.randrange(1, 5000)) if number % 3 else (rng.randrange(1, 40), rng.randrange(1, 40))
        focus = None if number % 4 == 0 else (rng.randrange(size[0]), rng.randrange(size[1]))
        aspect = rng.choice(ASPECTS)
        _check_box(tuple(avatars.cover_box(size, aspect, focus)), size, aspect, focus)


@check(
    10,
    hint="Turn first, then crop around where the focus is shown, then shrink; an avatar smaller than asked is "
    "fine, a blurry enlarged one is not.",
)
def avatars_check(sub: Submission) -> None:
    """avatar() is the upright photo, cropped square around the focus and shrunk, never enlarged"""
    avatars, key, rng = sub.module("avatars"), sub.answer("avatars"), sub.rng
    orientations = [rng.choice(MIRRORED), rng.choice(TURNED), rng.choice([1, 3]), rng.choice(ORIENTATIONS)]
    for orientation in orientations:
        image = samples.photo(rng, (rng.randrange(20, 160), rng.randrange(20, 160)))
        side = rng.randrange(8, 200)
        focus = rng.choice([None, (rng.randrange(image.width), rng.randrange(image.height))])
        expected = _ideal_avatar(key, image, orientation, side, focus)
        shown = f"avatar(a {image.width}×{image.height} photo, orientation {orientation}, side {side}, focus {focus})"
        got = avatars.avatar(image, orientation, side, focus)
        assert isinstance(got, Image.Image), f"{shown} returned {type(got).__name__}, not an image"
        assert got.size == expected.size, f"{shown} is {got.width}×{got.height}, expected {expected.width}×{expected.height}"
        difference = sum(ImageStat.Stat(ImageChops.difference(got.convert("RGB"), expected)).mean) / 3
        if difference > AVATAR_TOLERANCE:
            turned_right = avatars.upright(image, orientation).tobytes() == samples.shown(image, orientation).tobytes()
            first = "" if turned_right else "; upright() is off for this orientation: fix it first"
            raise AssertionError(f"{shown}: not the expected picture (mean difference {difference:.0f}/255){first}")


def _ideal_avatar(key: Any, image: Image.Image, orientation: int, side: int, focus: tuple[int, int] | None) -> Image.Image:
    """The expected avatar: the ideal transform, the answer key's crop, Pillow's Lanczos filter."""
    upright = samples.shown(image, orientation)
    centre = None if focus is None else samples.displayed_at(image.size, orientation, [focus])[0]
    square = upright.crop(tuple(key.cover_box(upright.size, (1, 1), centre)))
    target = min(side, square.width)
    return square.resize((target, target), Image.Resampling.LANCZOS)


@check(
    5,
    hint="A 1.5× screen showing 333 CSS pixels needs 499.5 device pixels: a 499-pixel file is upscaled by the "
    "browser. And a candidate wider than the source is the source, enlarged.",
)
def srcsets(sub: Submission) -> None:
    """srcset() lists one candidate per needed width, wide enough for each screen, never wider than the source"""
    avatars, key, rng = sub.module("avatars"), sub.answer("avatars"), sub.rng
    for number in range(6):
        slot = 4 * rng.randrange(10, 200) + 1 if number == 0 else rng.randrange(40, 800)  # ×1.25 leaves a quarter pixel
        densities = rng.sample(DENSITIES, rng.randrange(1, 6)) + ([1.25] if number == 0 else [])
        source = rng.randrange(slot, int(slot * max(densities)) + 1) if number == 1 else rng.randrange(40, 4000)
        stem = f"avatars/{rng.choice(['ana', 'bo', 'chen'])}-{rng.randrange(10**6)}"
        got, expected = avatars.srcset(stem, source, slot, densities), key.srcset(stem, source, slot, densities)
        assert got == expected, f"srcset({stem!r}, {source}, {slot}, {densities}) = {got!r}; expected {expected!r}"
