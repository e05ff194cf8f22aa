"""Lab 02's oracles are right and its README's numbers are computed: the ideal transform the
checks use agrees with the EXIF specification's table, the files ``samples.py`` writes are
read by Pillow as they were built, and every number the README quotes comes from the code."""

from __future__ import annotations

import doctest
import io
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from labs.grader import find_lab
from reference.handler.engine import EngineSettings
from tests.labs.helpers import load_isolated, solution

LAB = find_lab("lab02")
# The EXIF specification's words: for each orientation, the side of the shown image on which the
# first stored row lies, and the side on which the first stored column lies.
SPEC = {1: ("top", "left"), 2: ("top", "right"), 3: ("bottom", "right"), 4: ("bottom", "left"),
        5: ("left", "top"), 6: ("right", "top"), 7: ("right", "bottom"), 8: ("left", "bottom")}  # fmt: skip


@pytest.fixture(scope="module")
def samples() -> Any:
    return load_isolated(LAB.folder / "samples.py", "lab02_samples_test")


@pytest.fixture(scope="module")
def key() -> Any:
    return load_isolated(solution(LAB) / "avatars.py", "lab02_key_avatars")


def _from_spec(image: Image.Image, orientation: int) -> Image.Image:
    """Show ``image`` by the specification's words, pixel by pixel."""
    width, height = image.size
    row_side, column_side = SPEC[orientation]
    swapped = row_side in ("left", "right")
    shown = Image.new(image.mode, (height, width) if swapped else (width, height))
    for y in range(height):
        for x in range(width):
            if swapped:  # stored rows run down the shown image, stored columns across it
                position = (y if row_side == "left" else height - 1 - y, x if column_side == "top" else width - 1 - x)
            else:
                position = (x if column_side == "left" else width - 1 - x, y if row_side == "top" else height - 1 - y)
            shown.putpixel(position, image.getpixel((x, y)))
    return shown


def test_the_ideal_transform_is_the_specification(samples: Any, key: Any) -> None:
    rng = random.Random(5)
    for orientation in SPEC:
        image = samples.noise(rng, (7, 4))
        expected = _from_spec(image, orientation)
        assert samples.shown(image, orientation).tobytes() == expected.tobytes(), orientation
        assert key.upright(image, orientation).tobytes() == expected.tobytes(), orientation
        points = [(x, y) for x in range(7) for y in range(4)]
        for point, shown_at in zip(points, samples.displayed_at((7, 4), orientation, points), strict=True):
            assert expected.getpixel(shown_at) == image.getpixel(point)
            assert key.to_display(point, (7, 4), orientation) == shown_at


def test_sample_files_are_read_by_pillow_as_built(samples: Any, key: Any) -> None:
    rng = random.Random(7)
    for _ in range(5):
        width, height, frames = rng.randrange(1, 300), rng.randrange(1, 300), rng.randrange(1, 9)
        extra = samples.chunk(b"ICCP", rng.randbytes(rng.randrange(1, 50))) + samples.chunk(b"ZZZZ", rng.randbytes(3))
        built = [
            ("GIF", samples.gif(width, height, frames, rng), frames),
            ("GIF", samples.gif(width, height, frames, rng, extensions=True), frames),
            ("WEBP", samples.webp_animation(width, height, frames, extra=extra), frames),
            ("GIF", samples.pillow_gif(rng, (width, height), frames), None),
            *[("WEBP", samples.pillow_webp(rng, (width, height), frames, kind), None) for kind in ("lossy", "lossless", "alpha")],
            ("WEBP", samples.pillow_webp(rng, (width, height), frames, "animated"), None),
        ]
        for fmt, data, frame_count in built:
            with Image.open(io.BytesIO(data)) as image:
                pillow = (image.format, image.width, image.height, getattr(image, "n_frames", 1))
                image.seek(pillow[3] - 1)
                image.load()  # every frame decodes: the files are valid, not only their headers
            assert pillow[:3] == (fmt, width, height) and frame_count in (None, pillow[3])
            assert tuple(key.read_header(data)) == pillow


def test_sample_doctests(samples: Any) -> None:
    assert doctest.testmod(samples).failed == 0


def test_readme_numbers(samples: Any) -> None:
    readme = " ".join((LAB.folder / "README.md").read_text().split())
    checks_module = load_isolated(LAB.folder / "checks.py", "lab02_checks_test")
    settings = EngineSettings()
    bomb = samples.gif(65_535, 65_535, 1000)
    quoted = [
        f"A 65,535 × 65,535 GIF of 1,000 one-pixel frames is a {len(bomb):,}-byte file that declares "
        f"{65_535 * 65_535 * 1000 / 1e12:.1f} trillion pixels",
        f"default budget of {settings.max_pixels:,} pixels",
        f"a 500 × 500 avatar may have {settings.max_pixels // (500 * 500)} frames",
        f"give your code {checks_module.HEADER_MEMORY_MB} MB",
    ]
    assert [q for q in quoted if q not in readme] == []
    checks = LAB.checks(public_only=True)
    assert f"runs {len(checks)} checks ({sum(c.points for c in checks):g} points)" in readme
    table = [float(points) for points in re.findall(r"^\|[^|]+\| (\d+) \|", (LAB.folder / "README.md").read_text(), re.M)]
    assert table == [c.points for c in checks], "the README's table of checks and points"


def test_readme_verify_command(tmp_path: Path, samples: Any) -> None:
    shutil.copy(solution(LAB) / "avatars.py", tmp_path)
    photo = samples.photo(random.Random(3), (40, 30))
    exif = photo.getexif()
    exif[0x0112] = 6
    photo.save(tmp_path / "photo.jpg", exif=exif)
    readme = (LAB.folder / "README.md").read_text()
    command = re.search(r'\.\./\.\./\.venv/bin/python -c "(.*?)"\n```', readme, re.S)
    assert command, "the README's verify command"
    subprocess.run([sys.executable, "-c", command.group(1)], cwd=tmp_path, check=True, timeout=60)
    with Image.open(tmp_path / "avatar.png") as made:
        assert made.size == (30, 30)
