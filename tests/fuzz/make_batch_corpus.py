"""Writes the batch files of the corpus (`tests/fuzz/corpus/batch-*`): hostile archives, CSV and
JSON, each beside good rows. Run as `.venv/bin/python -m tests.fuzz.make_batch_corpus`; the
expected outcome of each is in `corpus/batches.json` (tests/fuzz/test_corpus.py)."""

from __future__ import annotations

import bz2
import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.api.test_batches import OSO, as_csv, cohort

CORPUS = Path(__file__).parent / "corpus"
GOOD = "Voorbeelddossier_PaO_POSWV_opt_out.xml"
HOSTILE = b"<?xml version='1.0'?><dossier>not read</dossier>"


def _patch(data: bytes, name: bytes, local: Callable[[bytearray, int], None],
           central: Callable[[bytearray, int], None]) -> bytes:  # fmt: skip
    """Apply `local` at the local header and `central` at the central directory entry of
    the member called `name`."""
    out = bytearray(data)
    at = out.find(b"PK\x03\x04")
    while at != -1:
        if out[at + 30 : at + 30 + len(name)] == name:
            local(out, at)
        at = out.find(b"PK\x03\x04", at + 4)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        if out[at + 46 : at + 46 + len(name)] == name:
            central(out, at)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def archive() -> bytes:
    """A good dossier (a-good.xml, deflated) and a stored b-hostile.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.write(OSO / GOOD, "a-good.xml", zipfile.ZIP_DEFLATED)
        zipped.writestr("b-hostile.xml", HOSTILE)
    return buffer.getvalue()


def zips() -> dict[str, bytes]:
    name = b"b-hostile.xml"
    plain = archive()

    def encrypted(offset: int) -> Callable[[bytearray, int], None]:  # flag bit 0: encrypted
        return lambda out, at: out.__setitem__(at + offset, out[at + offset] | 0x1)

    def flip(out: bytearray, at: int) -> None:  # a byte of the stored data: its CRC is wrong
        out[at + 30 + len(name) + 5] ^= 0xFF

    def method(offset: int) -> Callable[[bytearray, int], None]:
        return lambda out, at: out.__setitem__(
            slice(at + offset, at + offset + 2), struct.pack("<H", 99)
        )

    def size(offset: int) -> Callable[[bytearray, int], None]:  # says 5 bytes; it holds more
        return lambda out, at: out.__setitem__(
            slice(at + offset, at + offset + 4), struct.pack("<I", 5)
        )

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_BZIP2) as zipped:
        for i in range(20):
            zipped.writestr(f"bomb-{i:02d}.xml", b"<" * 5_000_000)
    return {
        "batch-zip-bad-crc.zip": _patch(plain, name, flip, lambda out, at: None),
        "batch-zip-encrypted-member.zip": _patch(plain, name, encrypted(6), encrypted(8)),
        "batch-zip-unknown-method.zip": _patch(plain, name, method(8), method(10)),
        "batch-zip-member-lies-about-size.zip": _patch(plain, name, size(22), size(24)),
        "batch-zip-bzip2-bomb.zip": bomb.getvalue(),
    }


def texts() -> dict[str, bytes]:
    table = as_csv(cohort()[:2])
    header, first, second = table.splitlines(keepends=True)
    unknown = ",".join(f"kolom_{i:03d}" for i in range(900))
    bad_ref = cohort()[1]
    bad_ref["student"]["ref"] = "@PAD@"
    items = [cohort()[0], bad_ref, cohort()[2]]
    return {
        "batch-csv-huge-cell.csv": (
            header + first + first.replace("ll-0", "@PAD@", 1) + second
        ).encode(),
        "batch-csv-blank-lines.csv": (header + "@BLANK@" + first).encode(),
        "batch-csv-long-header.csv": ("student_ref,@PAD@\r\n" + first).encode(),
        "batch-csv-unknown-columns.csv": (f"student_ref,{unknown}\r\n" + first).encode(),
        "batch-json-huge-ref.json": json.dumps({"items": items}).encode(),
        "batch-json-truncated.json": json.dumps({"items": items})[:-40].encode(),
        "batch-json-zip-body.json": zips()["batch-zip-bad-crc.zip"][:2000],
    }


def main() -> None:
    for name, data in {**zips(), **texts()}.items():
        (CORPUS / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    assert bz2  # the bomb's members are bzip2 (zipfile imports it)


if __name__ == "__main__":
    main()
