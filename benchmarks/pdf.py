"""Pages per second per core for PDF → JPEG pages at 150 DPI: pypdfium2 versus pdf2image (poppler).

Scenario: the course's PDF project renders every page of an uploaded document to a JPEG plus a
thumbnail. Both renderers run the engine's full page path (`render_pdf_pages`: validate, render,
encode page + thumbnail) on one pinned core; poppler's `pdftoppm` subprocess inherits the pin.
The input is a generated handout (text, vector chart, photo on every page).

Outputs: a table on stdout, `benchmarks/results/pdf.json` and `benchmarks/results/pdf.md`.
Run: `make bench`, or `python benchmarks/pdf.py [--pages N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the repository's packages

from reference.handler.engine import EngineSettings, render_pdf_pages  # noqa: E402
from tests.fixtures import corpus  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DPI = 150
RENDERERS = ("pdfium", "poppler")


def seconds_per_page(data: bytes, pages: int, renderer: str, repeats: int) -> float:
    settings = EngineSettings(pdf_renderer=renderer, pdf_dpi=DPI)
    render_pdf_pages(data, 1, 1, settings)  # warm-up: library initialisation, fonts
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        render_pdf_pages(data, 1, pages, settings)
        samples.append((time.perf_counter() - started) / pages)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not found: install poppler-utils (make system-deps)")
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    data = corpus.document_pdf(args.pages)
    times = {
        renderer: seconds_per_page(data, args.pages, renderer, args.repeats)
        for renderer in RENDERERS
    }
    ratio = times["poppler"] / times["pdfium"]
    table = "\n".join(
        [
            "| renderer | pages/s per core | ms per page | relative |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {1 / seconds:.2f} | {seconds * 1000:.0f} | "
                f"{times['poppler'] / seconds:.2f}× |"
                for name, seconds in times.items()
            ),
        ]
    )
    print(
        f"{args.pages}-page handout ({len(data):,} bytes), {DPI} DPI, page JPEG + thumbnail, 1 core"
    )
    print(table)
    print(f"pypdfium2 is {ratio:.2f}× poppler")
    RESULTS.mkdir(parents=True, exist_ok=True)
    records = [
        {
            "input": f"handout-{args.pages}p.pdf",
            "bytes": len(data),
            "pages": args.pages,
            "dpi": DPI,
            "renderer": name,
            "seconds_per_page": round(seconds, 5),
        }
        for name, seconds in times.items()
    ]
    (RESULTS / "pdf.json").write_text(json.dumps({"records": records}, indent=2) + "\n")
    (RESULTS / "pdf.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
