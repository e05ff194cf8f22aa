"""PDF pages → JPEG pages + thumbnails; validation; the page ranges the handler fans out."""

from __future__ import annotations

import shutil

import pytest

from reference.handler.engine import (
    EngineSettings,
    Rejected,
    page_ranges,
    pdf_page_count,
    process,
    render_pdf_pages,
)
from tests.fixtures import corpus

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")


def test_small_pdf_renders_every_page_and_its_thumbnail() -> None:
    result = process(corpus.pdf(3, size=(144, 288)))
    assert result.kind == "pdf"
    assert [v.filename for v in result.variants] == [
        "page-0001.jpg",
        "page-0001-thumbnail.jpg",
        "page-0002.jpg",
        "page-0002-thumbnail.jpg",
        "page-0003.jpg",
        "page-0003-thumbnail.jpg",
    ]
    page, thumbnail = result.variants[:2]
    assert (page.width, page.height) == (300, 600)  # 2×4 inches at the default 150 DPI
    assert (thumbnail.width, thumbnail.height) == (75, 150)
    metadata = result.metadata
    assert (metadata["pages_total"], metadata["first_page"], metadata["last_page"]) == (3, 1, 3)
    assert metadata["pending_ranges"] == []
    assert (metadata["dpi"], metadata["renderer"]) == (150, "pdfium")


def test_dpi_is_configurable() -> None:
    result = process(corpus.pdf(1, size=(144, 288)), EngineSettings(pdf_dpi=72))
    assert (result.variants[0].width, result.variants[0].height) == (144, 288)


def test_long_pdf_renders_the_first_range_and_lists_the_rest() -> None:
    data = corpus.pdf(45)
    result = process(data, EngineSettings(pdf_pages_per_invocation=20))
    assert (result.metadata["first_page"], result.metadata["last_page"]) == (1, 20)
    assert result.metadata["pending_ranges"] == [[21, 40], [41, 45]]
    assert len(result.variants) == 40


def test_a_fan_out_unit_renders_exactly_its_range() -> None:
    data = corpus.pdf(45)
    assert pdf_page_count(data) == 45
    result = render_pdf_pages(data, 41, 45)
    assert [v.name for v in result.variants][::2] == [f"page-{n:04d}" for n in range(41, 46)]
    assert (
        result.metadata["first_page"],
        result.metadata["last_page"],
        result.metadata["pages_total"],
    ) == (41, 45, 45)
    assert "pending_ranges" not in result.metadata


@pytest.mark.parametrize(("first", "last"), [(0, 1), (2, 1), (1, 4)])
def test_invalid_ranges_are_caller_bugs(first: int, last: int) -> None:
    with pytest.raises(ValueError):
        render_pdf_pages(corpus.pdf(3), first, last)


def test_page_ranges() -> None:
    assert page_ranges(1, 20) == [(1, 1)]
    assert page_ranges(40, 20) == [(1, 20), (21, 40)]
    assert page_ranges(41, 20) == [(1, 20), (21, 40), (41, 41)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (corpus.encrypted_pdf(), "encrypted"),
        (b"%PDF-1.7\nthis is not a PDF body at all", "corrupt"),
        (corpus.pdf(1, size=(100, 100), resolution=0.5), "too_many_pixels"),  # a 200-inch page
    ],
)
def test_hostile_pdfs_are_rejected(data: bytes, reason: str) -> None:
    for call in (process, pdf_page_count):
        with pytest.raises(Rejected) as caught:
            call(data)
        assert caught.value.reason == reason


def test_page_limit() -> None:
    with pytest.raises(Rejected) as caught:
        pdf_page_count(corpus.pdf(6), EngineSettings(max_pdf_pages=5))
    assert caught.value.reason == "too_many_pages"


@needs_poppler
def test_poppler_renders_the_same_pages() -> None:
    data = corpus.pdf(2, size=(144, 288))
    pdfium = process(data)
    poppler = process(data, EngineSettings(pdf_renderer="poppler"))
    assert poppler.metadata["renderer"] == "poppler"
    assert [(v.name, v.width, v.height) for v in poppler.variants] == [
        (v.name, v.width, v.height) for v in pdfium.variants
    ]


@needs_poppler
def test_poppler_renders_a_fan_out_range() -> None:
    result = render_pdf_pages(corpus.pdf(5), 4, 5, EngineSettings(pdf_renderer="poppler"))
    assert [v.name for v in result.variants] == [
        "page-0004",
        "page-0004-thumbnail",
        "page-0005",
        "page-0005-thumbnail",
    ]
