"""Whatever the source's orientation, colour space, depth or palette, outputs are upright sRGB."""

from __future__ import annotations

import pytest
from PIL import Image

from reference.handler.engine import process
from tests.fixtures import corpus
from tests.fixtures.outputs import close, decoded


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation: int) -> None:
    result = process(corpus.oriented_jpeg(orientation))
    image = decoded(result, "large.jpg").convert("RGB")
    assert image.size == (60, 40)  # the upright marker's size, whatever was stored
    assert close(image.getpixel((5, 5)), corpus.RED, 40)  # red stays top-left
    assert close(image.getpixel((55, 35)), corpus.BLUE, 40)
    assert result.metadata["orientation"] == orientation
    assert result.metadata["orientation_applied"] is (orientation != 1)
    assert (result.metadata["width"], result.metadata["height"]) == (60, 40)


def test_cmyk_becomes_rgb() -> None:
    result = process(corpus.cmyk_jpeg())
    assert result.metadata["color_mode"] == "CMYK"
    for filename in ("large.jpg", "large.webp"):
        image = decoded(result, filename)
        assert image.mode == "RGB"
        assert close(image.getpixel((10, 10)), corpus.RED)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_embedded_icc_profile_is_converted_to_srgb(fmt: str) -> None:
    # Pixels are (255, 0, 0) but the profile says that means blue: sRGB output must be blue.
    result = process(corpus.icc_tagged(fmt))
    assert result.metadata["icc_profile"] == "p4lab test swapped RGB"
    assert result.metadata["converted_to_srgb"] is True
    assert close(decoded(result, "large.jpg").getpixel((10, 10)), corpus.BLUE)
    assert close(decoded(result, "large.webp").convert("RGB").getpixel((10, 10)), corpus.BLUE)


def test_srgb_profile_is_recognised_and_not_reapplied() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process(corpus.encode(corpus.marker(), "PNG", icc_profile=srgb))
    assert result.metadata["icc_profile"].startswith("sRGB")
    assert result.metadata["converted_to_srgb"] is False


def test_broken_icc_profile_is_ignored_not_fatal() -> None:
    result = process(corpus.encode(corpus.marker(), "PNG", icc_profile=b"not a profile"))
    assert result.metadata["icc_profile"] == "invalid"
    assert close(decoded(result, "large.jpg").getpixel((5, 5)), corpus.RED)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grayscale_is_scaled_not_clipped(fmt: str) -> None:
    result = process(corpus.gray16_png(fmt))
    assert result.metadata["color_mode"] == "I;16"
    image = decoded(result, "large.jpg")
    assert image.mode == "RGB"
    left, middle, right = (image.getpixel((x, 8))[0] for x in (2, 128, 253))
    assert left < 10 and 110 < middle < 145 and right > 245  # a ramp, not a white image


def test_palette_with_transparency_keeps_alpha_in_webp_and_flattens_jpeg_on_white() -> None:
    result = process(corpus.palette_png_with_transparency())
    assert result.metadata["has_alpha"] is True
    webp = decoded(result, "large.webp")
    assert webp.mode == "RGBA"
    assert webp.getpixel((5, 10))[3] == 0 and webp.getpixel((35, 10))[3] == 255
    jpeg = decoded(result, "large.jpg")
    assert close(jpeg.getpixel((5, 10)), corpus.WHITE) and close(
        jpeg.getpixel((35, 10)), corpus.RED
    )


def test_grayscale_with_alpha_becomes_rgba() -> None:
    result = process(corpus.gray_alpha_png())
    webp = decoded(result, "large.webp")
    assert webp.mode == "RGBA"
    assert webp.getpixel((5, 5))[3] == 0
    assert close(webp.getpixel((25, 5)), (128, 128, 128, 255))


def test_opaque_alpha_channel_is_dropped() -> None:
    result = process(corpus.encode(corpus.marker().convert("RGBA"), "PNG"))
    assert result.metadata["has_alpha"] is False
    assert decoded(result, "large.webp").mode == "RGB"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])  # PNG: APNG
def test_animation_uses_the_first_frame_and_says_so(fmt: str) -> None:
    result = process(corpus.animation(fmt))
    metadata = result.metadata
    assert (metadata["animated"], metadata["frames"], metadata["frame_used"]) == (True, 3, 1)
    assert close(decoded(result, "large.jpg").getpixel((10, 10)), corpus.RED)
    assert decoded(result, "large.webp").n_frames == 1


def test_mpo_is_a_jpeg_photo_not_an_animation() -> None:
    result = process(corpus.mpo_jpeg())
    assert (
        result.metadata["source_format"],
        result.metadata["animated"],
        result.metadata["frames"],
    ) == ("jpeg", False, 1)
    assert decoded(result, "large.jpg").size == (60, 40)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (corpus.lab_tiff(), corpus.RED),
        (corpus.float_tiff(0.5), (128, 128, 128)),
        (corpus.encode(Image.new("1", (30, 20), 1), "PNG"), corpus.WHITE),
        (corpus.encode(Image.new("CMYK", (30, 20), (0, 255, 255, 0)), "TIFF"), corpus.RED),
        (corpus.encode(Image.new("L", (30, 20), 100), "JPEG"), (100, 100, 100)),
    ],
    ids=["lab-tiff", "float-tiff", "1-bit-png", "cmyk-tiff", "grey-jpeg"],
)
def test_other_colour_modes_become_rgb(data: bytes, expected: tuple[int, int, int]) -> None:
    image = decoded(process(data), "large.jpg")
    assert image.mode == "RGB"
    assert close(image.getpixel((5, 5)), expected)
