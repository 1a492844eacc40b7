"""The decision letters print on A4 in a real browser: headless Chromium (Debian's `chromium`).

A letter of each kind is made through the API (aanwijzing lwoo, toelaatbaarheidsverklaring pro,
afwijzing, request to complete the dossier, and an lwoo letter read after its measured values
were removed), saved under test-output/, and:
- printed to PDF: every page is A4 (MediaBox 595 x 842 pt) and the letter has the number of
  pages measured for it (a letter that grows a page, or loses its print CSS, fails);
- dumped as the DOM Chromium built: the key texts are there and nothing is scripted;
- shot as a PNG at A4 proportions (794 x 1123 px, A4 at 96 dpi), kept for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import ADMIN, Api
from tests.api.test_letters import KINDS, decide, letter_path
from tests.browser.test_report_render import OUTPUT, png_pixels, run_chromium

A4_POINTS = (595, 842)
A4_PIXELS = (794, 1123)
# Pages per letter, as measured with Debian's chromium and DejaVu Sans: the reasons of a
# refusal or an incomplete dossier list every route that could have granted the application.
PAGES = {"lwoo": 2, "pro": 2, "none": 3, "incomplete": 3, "lwoo-gone": 2}
KEY_TEXTS = {
    "lwoo": ["Aanwijzing leerwegondersteunend onderwijs (lwoo)", "IQ 82", "binnen 6 weken",
             "adviescommissie"],
    "pro": ["Toelaatbaarheidsverklaring praktijkonderwijs (pro)", "IQ 70", "binnen 6 weken"],
    "none": ["Afwijzing van de aanvraag voor leerwegondersteunend onderwijs",
             "wij wijzen de aanvraag af", "binnen 6 weken"],
    "incomplete": ["Verzoek om het dossier aan te vullen", "uiterlijk 29 maart 2017",
                   "Een IQ-score", "Awb art. 4:5 lid 1"],
    "lwoo-gone": ["Aanwijzing leerwegondersteunend onderwijs (lwoo)", "niet meer bewaard",
                  "niet langer dan 3 jaar"],
}  # fmt: skip


@pytest.fixture
def letters(api: Api) -> Iterator[dict[str, tuple[Path, str]]]:
    """Each letter's page under test-output/, with its decision's volgnummer."""
    OUTPUT.mkdir(exist_ok=True)
    api.region()
    decided = {kind: decide(api, kind) for kind in KINDS}
    found: dict[str, tuple[Path, str]] = {}

    def save(name: str, decision: dict[str, str]) -> None:
        response = api.client.http.get(
            letter_path(decision), headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert response.status_code == 200, response.body
        target = OUTPUT / f"letter-{name}.html"
        target.write_bytes(response.body)
        found[name] = (target, decision["volgnummer"])

    for kind, decision in decided.items():
        save(kind, decision)
    api.clock[0] = dt.datetime(2020, 3, 2, 12, tzinfo=dt.UTC)  # past health_data_until
    save("lwoo-gone", decided["lwoo"])
    yield found


@pytest.mark.parametrize("name", list(PAGES))
def test_each_letter_prints_on_a4_with_its_text(
    chromium: Path, letters: dict[str, tuple[Path, str]], name: str, tmp_path: Path
) -> None:
    page, volgnummer = letters[name]

    pdf = OUTPUT / f"letter-{name}.pdf"
    pdf.unlink(missing_ok=True)
    run_chromium(chromium, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                 tmp=tmp_path / "pdf")  # fmt: skip
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {A4_POINTS}
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) == PAGES[name]

    dom = run_chromium(chromium, page, "--dump-dom", tmp=tmp_path / "dom")
    for text in (*KEY_TEXTS[name], volgnummer, "1 maart 2017"):
        assert text in dom, text
    assert "<script" not in dom

    shot = OUTPUT / f"letter-{name}.png"
    shot.unlink(missing_ok=True)
    size = f"--window-size={A4_PIXELS[0]},{A4_PIXELS[1]}"
    run_chromium(chromium, page, f"--screenshot={shot}", size, tmp=tmp_path / "shot")
    width, height, pixels = png_pixels(shot)
    assert (width, height) == A4_PIXELS
    ink = sum(1 for p in pixels if sum(p) < 400)
    assert ink > 10_000, f"{ink} dark pixels: the page looks blank"
