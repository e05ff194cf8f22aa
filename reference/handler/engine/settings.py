"""Every limit, size and quality the engine uses, overridable from the environment.

The Lambda function is configured through environment variables (`P4LAB_MAX_PIXELS=...`), the
`p4lab process` command through the same variables, so a lab can change a size in one place and
see the effect on both. Dict-valued settings take JSON:
`P4LAB_SIZES='{"thumbnail": 200, "large": 2048}'`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class EngineSettings(BaseSettings):
    """Limits and output settings. `EngineSettings()` with no environment gives safe defaults."""

    model_config = SettingsConfigDict(env_prefix="P4LAB_", extra="ignore", frozen=True)

    # Limits: checked before any pixel is decoded, so hostile inputs cost milliseconds.
    max_bytes: int = Field(50 * MIB, gt=0, description="largest accepted upload, bytes")
    max_pixels: int = Field(
        50_000_000, gt=0, description="largest width*height of an image or rendered PDF page"
    )
    max_frames: int = Field(1000, gt=0, description="most frames in an animated GIF/WebP/TIFF")
    max_pdf_pages: int = Field(500, gt=0, description="most pages in a PDF")

    # Image variants: longest side in pixels, never upscaled.
    sizes: dict[str, int] = Field(
        default_factory=lambda: {"thumbnail": 150, "medium": 800, "large": 1600}
    )
    jpeg_quality: int = Field(82, ge=1, le=100)
    webp_quality: int = Field(80, ge=1, le=100)
    webp_method: int = Field(4, ge=0, le=6, description="libwebp effort: 0 fast … 6 small")
    resample: Literal["lanczos", "bicubic"] = "lanczos"

    # PDF pages.
    pdf_dpi: int = Field(150, ge=18, le=600)
    pdf_thumbnail_size: int = Field(150, gt=0, description="longest side of a page thumbnail, px")
    pdf_renderer: Literal["pdfium", "poppler"] = "pdfium"
    pdf_pages_per_invocation: int = Field(
        20, gt=0, description="pages one Lambda invocation renders before fanning out"
    )

    @field_validator("sizes")
    @classmethod
    def _sizes_are_positive(cls, sizes: dict[str, int]) -> dict[str, int]:
        if not sizes:
            raise ValueError("at least one variant size is needed")
        bad = {name: px for name, px in sizes.items() if px <= 0}
        if bad:
            raise ValueError(f"variant sizes must be positive pixel counts, got {bad}")
        return sizes
