"""The report pages render in a real browser: headless Chromium (Debian's `chromium`).

The session installs chromium with apt-get when /usr/bin/chromium is missing (CI starts from a
fresh machine; `make install-browser` does the same). Each page is printed to a PNG under
test-output/ (kept for a person to look at) and checked twice: the DOM chromium built holds the
charts' bars with a size, and the screenshot shows them (enough pixels in the chart colours,
decoded with zlib and struct from the standard library).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.cli.letter import CHROMIUM, CHROMIUM_FLAGS
from chalicelib.render.report_html import COLOURS
from tests.api.conftest import ADMIN, ROOT, Api

OUTPUT = ROOT / "test-output"
# The flags the command line prints a letter with (quiet, offline), and no scrollbars in the
# screenshots; the PDF flag does nothing here.
FLAGS = (*CHROMIUM_FLAGS, "--hide-scrollbars")


def install_chromium() -> Path:
    """Debian's chromium, installed when missing (apt-get update only if the install fails)."""
    found = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if found:
        return Path(found)
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail("chromium is missing and there is no apt-get to install it with")
    install = [apt, "install", "-y", "--no-install-recommends", "chromium"]
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run([apt, "update"], env=env, capture_output=True, check=False)
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"apt-get install chromium failed: {done.stderr[-2000:]}")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> Path:
    return install_chromium()


def run_chromium(browser: Path, page: Path, *args: str, tmp: Path) -> str:
    done = subprocess.run(
        [str(browser), *FLAGS, f"--user-data-dir={tmp}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_pixels(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA PNG (what chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat = 8, b""
    width = height = channels = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        rows.append(line)
        previous = line
    pixels = [(row[x], row[x + 1], row[x + 2]) for row in rows for x in range(0, stride, channels)]
    return width, height, pixels


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))


@pytest.fixture
def pages(api: Api, world: object) -> Iterator[dict[str, Path]]:
    OUTPUT.mkdir(exist_ok=True)
    api.call("PUT", "/v1/budget-shares/2018", {"shares": {"VO2001": "0.55", "VO2002": "0.45"}})
    found = {}
    for name, path in (
        ("report-region", "/v1/regions/VO2001/report?teldatum=2018-10-01"),
        ("report-national", "/v1/report?teldatum=2018-10-01"),
    ):
        response = api.client.http.get(path, headers={"Authorization": f"Bearer {ADMIN}"})
        assert response.status_code == 200
        target = OUTPUT / f"{name}.html"
        target.write_bytes(response.body)
        found[name] = target
    yield found


@pytest.mark.parametrize("name", ["report-region", "report-national"])
def test_report_renders_its_charts_in_chromium(
    chromium: Path, pages: dict[str, Path], name: str, tmp_path: Path
) -> None:
    page = pages[name]
    dom = run_chromium(chromium, page, "--dump-dom", tmp=tmp_path / "dom")
    charts = re.findall(r'<svg class="chart".*?</svg>', dom, flags=re.S)
    assert len(charts) >= 3, dom[:2000]
    for chart in charts:
        widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', chart)]
        assert any(w > 0 for w in widths), chart[:500]
    assert "<script" not in dom

    shot = OUTPUT / f"{name}.png"
    shot.unlink(missing_ok=True)
    run_chromium(
        chromium,
        page,
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        tmp=tmp_path / "shot",
    )
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1200, 1600)
    ink = sum(1 for p in pixels if sum(p) < 700)
    assert ink > 20_000, f"{ink} non-white pixels: the page looks blank"
    for series in ("lwoo", "pro", "granted"):
        drawn = sum(1 for p in pixels if near(p, rgb(COLOURS[series])))
        assert drawn > 300, f"{series}: only {drawn} pixels in its colour"
