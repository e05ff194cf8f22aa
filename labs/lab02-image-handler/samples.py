"""How the checks make their inputs: photos, GIFs and WebPs, real and hostile (use them to test).

Real files come from Pillow's encoders; hostile ones are written byte by byte, because no
encoder writes a 65,535 × 65,535 canvas of one-pixel frames. Everything is drawn from a
``random.Random``, so a seed gives the same files every time.

    >>> import random
    >>> rng = random.Random(1)
    >>> data = gif(300, 200, frames=4, rng=rng)
    >>> data[:6], len(data) < 200
    (b'GIF89a', True)
    >>> webp_animation(16_384, 16_384, frames=3)[:4]
    b'RIFF'
"""

from __future__ import annotations

import io
import random
import struct

from PIL import Image, ImageOps

ORIENTATION_TAG = 0x0112
# A 1×1 transparent lossless WebP bitstream (the payload of its "VP8L" chunk), as Pillow writes it.
ONE_PIXEL_VP8L = bytes.fromhex("2f00000010071011118888fe07")


# ------------------------------------------------------------------ photos
def photo(rng: random.Random, size: tuple[int, int], blocks: int = 4) -> Image.Image:
    """An RGB image of ``blocks`` × ``blocks`` flat random colours: every turn, mirror or
    crop shows, and resampling filters agree on it except along the edges between colours."""
    small = Image.frombytes("RGB", (blocks, blocks), bytes(rng.randrange(256) for _ in range(3 * blocks * blocks)))
    return small.resize(size, Image.Resampling.NEAREST)


def noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Every pixel random: the exact transform is the only one that reproduces it."""
    return Image.frombytes("RGB", size, rng.randbytes(3 * size[0] * size[1]))


def shown(image: Image.Image, orientation: int) -> Image.Image:
    """The ideal transform: how a viewer shows ``image`` with this EXIF orientation (Pillow's
    ``exif_transpose`` applying the tag)."""
    tagged = image.copy()
    exif = tagged.getexif()
    exif[ORIENTATION_TAG] = orientation
    tagged.info["exif"] = exif.tobytes()
    return ImageOps.exif_transpose(tagged)


def displayed_at(size: tuple[int, int], orientation: int, points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the ideal transform shows each stored pixel of ``points`` in an image of ``size``
    (every pixel numbered, the numbered image turned, the numbers found).

        >>> displayed_at((4, 3), 6, [(0, 0), (3, 2)])
        [(2, 0), (0, 3)]
    """
    width, height = size
    numbered = Image.frombytes("I", size, struct.pack(f"<{width * height}i", *range(width * height)))
    turned = shown(numbered, orientation)
    numbers = list(turned.get_flattened_data())
    found = [numbers.index(y * width + x) for x, y in points]
    return [(position % turned.width, position // turned.width) for position in found]


# ------------------------------------------------------------------ GIF
def gif(width: int, height: int, frames: int, rng: random.Random | None = None, *, extensions: bool = False) -> bytes:
    """A GIF89a with a ``width`` × ``height`` canvas and ``frames`` 1×1 frames, written by hand.

    ``extensions`` adds what real files carry between frames: comments, a plain-text block,
    an application block, local colour tables, and data split over several sub-blocks.
    """
    rng = rng or random.Random(0)
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF0, 0, 0) + bytes(6))  # 2-colour global table
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for _ in range(frames):
        if extensions and rng.random() < 0.5:
            out += b"\x21\xfe" + _sub_blocks(rng.randbytes(rng.randrange(1, 600)))  # comment
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", rng.randrange(1, 50)) + b"\x00\x00"  # graphic control
        local = extensions and rng.random() < 0.5
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0x81 if local else 0)
        if local:
            out += rng.randbytes(12)  # a 4-colour local table
        out += b"\x02" + (b"\x01\x44\x01\x01\x00" if extensions else b"\x02\x44\x01\x00")  # LZW: clear, 0, end
    if extensions:
        out += b"\x21\x01" + _sub_blocks(bytes(12) + b"plain text")
    return bytes(out + b"\x3b")


def _sub_blocks(data: bytes) -> bytes:
    """GIF data sub-blocks: at most 255 bytes each, ended by an empty one."""
    return b"".join(bytes([len(part)]) + part for part in (data[i : i + 255] for i in range(0, len(data), 255))) + b"\x00"


def pillow_gif(rng: random.Random, size: tuple[int, int], frames: int) -> bytes:
    """A real animated GIF, as Pillow encodes it (frames of random colours)."""
    images = [photo(rng, size, blocks=2) for _ in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0, disposal=2)
    return buffer.getvalue()


# ------------------------------------------------------------------ WebP
def chunk(fourcc: bytes, payload: bytes) -> bytes:
    """One RIFF chunk: four letters, a little-endian size, the payload, a pad byte if odd."""
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def riff(chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def webp_animation(width: int, height: int, frames: int, *, extra: bytes = b"") -> bytes:
    """An animated WebP with a ``width`` × ``height`` canvas and ``frames`` 1×1 frames, by hand;
    ``extra`` chunks (ICCP, EXIF, XMP, unknown ones) go after the header."""
    header = chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))
    frame = chunk(b"ANMF", _u24(0) + _u24(0) + _u24(0) + _u24(0) + _u24(100) + b"\x00" + chunk(b"VP8L", ONE_PIXEL_VP8L))
    return riff(header + chunk(b"ANIM", bytes(6)) + extra + frame * frames)


def pillow_webp(rng: random.Random, size: tuple[int, int], frames: int, kind: str) -> bytes:
    """A real WebP as Pillow encodes it: ``kind`` "lossy" or "lossless" (one frame, simple
    format), "alpha" (one frame, extended format) or "animated"."""
    mode = "RGBA" if kind == "alpha" else "RGB"
    images = [photo(rng, size, blocks=2).convert(mode) for _ in range(frames if kind == "animated" else 1)]
    buffer = io.BytesIO()
    options = {"lossless": kind == "lossless", "quality": 60}
    if kind == "animated":
        options |= {"save_all": True, "append_images": images[1:], "duration": 80, "minimize_size": False, "allow_mixed": False}
    images[0].save(buffer, "WEBP", **options)
    return buffer.getvalue()


def _u24(value: int) -> bytes:
    return value.to_bytes(3, "little")
