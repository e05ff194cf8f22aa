"""Hidden check for lab 02: headers as real files carry them, which the public checks' files do not.

The public checks read GIFs and WebPs straight from Pillow's encoders and bare bombs. Files in
the wild add comments longer than one 255-byte sub-block, plain-text and application blocks,
local colour tables, and WebP metadata chunks (ICC profile, EXIF, XMP, chunks nobody knows) of
odd sizes, padded to even ones. A reader that skips blocks by guessing their length, or forgets
the padding byte, loses count here. Inputs from ``sub.rng``; expected values from the numbers
each file was built with, cross-checked with the answer key.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from labs.grader import Submission, check

_spec = importlib.util.spec_from_file_location("lab02_samples_hidden", Path(__file__).parents[1] / "samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

ROUNDS = 4


@check(
    10,
    timeout_s=10,
    memory_mb=256,
    hint="Skip every block by the lengths it declares, sub-block by sub-block, and every RIFF chunk by its size plus its padding byte.",
)
def headers_in_the_wild(sub: Submission) -> None:
    """read_header() counts frames past comments, metadata chunks, local colour tables and padding"""
    avatars, key, rng = sub.module("avatars"), sub.answer("avatars"), sub.rng
    for _ in range(ROUNDS):
        width, height, frames = rng.randrange(1, 65_536), rng.randrange(1, 65_536), rng.randrange(1, 80)
        extra = b"".join(samples.chunk(name, rng.randbytes(rng.randrange(1, 300)))
                         for name in rng.sample([b"ICCP", b"EXIF", b"XMP ", b"ZZZZ"], rng.randrange(1, 5)))  # fmt: skip
        side_w, side_h = width % 16_384 + 1, height % 16_384 + 1  # a WebP canvas is at most 16,384 wide here
        files = [
            (f"a {width}×{height} GIF of {frames} frames, comments, tables", samples.gif(width, height, frames, rng, extensions=True)),
            (f"a {side_w}×{side_h} WebP of {frames} frames with metadata", samples.webp_animation(side_w, side_h, frames, extra=extra)),
        ]
        for what, data in files:
            got, expected = tuple(avatars.read_header(data)), tuple(key.read_header(data))
            assert got == expected, f"read_header of {what}: {got}, expected {expected}"
