"""Zip archives of OSO dossiers, read member by member within budgets (README, "Budgets").

- The archive is read from a seekable file: a stream that is not one (an S3 body) is copied to
  a temporary file first, a piece at a time, never into memory.
- Refused whole (the batch fails): more than `MAX_ZIP_MEMBERS` dossiers, more than
  `MAX_ARCHIVE_BYTES` uncompressed, or an uncompressed size more than `MAX_RATIO` times the
  archive's (a zip bomb).
- Refused per member (that row is rejected, the others go on): an encrypted member, a
  compression method other than stored or deflate (bzip2 and lzma are refused: they decompress
  without a bound per read), a member larger than `MAX_MEMBER_BYTES` or compressed more than
  `MAX_RATIO` times, and a member that cannot be read (a bad CRC, a size that lies: the read
  stops at the size the member declares, and then its CRC does not match).
- One split message reads at most `SPLIT_MEMBERS` members or `SPLIT_BYTES` uncompressed bytes,
  so that no message runs past the worker's 60 s; the next part goes in a message of its own.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from chalicelib.errors import RequestValidationError
from chalicelib.messages import msg

MAX_ZIP_MEMBERS = 10_000
MAX_MEMBER_BYTES = 5_000_000
MAX_ARCHIVE_BYTES = 500_000_000
MAX_RATIO = 100
SPLIT_MEMBERS = 250
SPLIT_BYTES = 25_000_000
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
UNREADABLE = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError,
              OSError, ValueError)  # fmt: skip


@dataclass
class Part:
    """Which members one split message reads: from `start`; `next_start` is set when the
    budget of the message ran out before the last member."""

    start: int = 0
    next_start: int | None = None


@contextmanager
def seekable(stream: IO[bytes], limit: int) -> Iterator[IO[bytes]]:
    """`stream` itself when it can seek, else a temporary file with its bytes (at most
    `limit`)."""
    if getattr(stream, "seekable", lambda: False)():
        yield stream
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(_Limited(stream, limit), spool)
        spool.seek(0)
        yield spool


class _Limited:
    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream, self.left = stream, limit

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(1024 * 1024 if size < 0 else min(size, 1024 * 1024))
        self.left -= len(data)
        if self.left < 0:
            raise RequestValidationError(msg("batch.zip_too_large"))
        return data


def open_archive(file: IO[bytes]) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its XML members in name order, after the checks of the whole."""
    try:
        archive = zipfile.ZipFile(file)
        members = sorted(
            (
                m
                for m in archive.infolist()
                if not m.is_dir() and m.filename.lower().endswith(".xml")
            ),
            key=lambda m: m.filename,
        )
    except UNREADABLE as exc:
        raise RequestValidationError(msg("batch.zip_unreadable", reason=str(exc))) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise RequestValidationError(msg("batch.zip_members", limit=MAX_ZIP_MEMBERS))
    declared = sum(m.file_size for m in members)
    size = file.seek(0, 2)
    if declared > MAX_ARCHIVE_BYTES or declared > MAX_RATIO * max(size, 1):
        raise RequestValidationError(
            msg("batch.zip_budget", size=declared, limit=MAX_ARCHIVE_BYTES, ratio=MAX_RATIO),
            [{"path": "", "code": "archive_budget", "message": msg("detail.zip_budget")}],
        )
    return archive, members


def member_problem(member: zipfile.ZipInfo) -> str | None:
    """Why a member is not read, or None."""
    if member.flag_bits & 0x1:
        return msg("batch.member_encrypted", name=member.filename[:200])
    if member.compress_type not in METHODS:
        return msg("batch.member_method", name=member.filename[:200], method=member.compress_type)
    if member.file_size > MAX_MEMBER_BYTES:
        return msg("batch.member_too_large", name=member.filename[:200], limit=MAX_MEMBER_BYTES)
    if member.file_size > MAX_RATIO * max(member.compress_size, 1):
        return msg("batch.member_ratio", name=member.filename[:200], ratio=MAX_RATIO)
    return None


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes; ValueError when they cannot be read."""
    problem = member_problem(member)
    if problem:
        raise ValueError(problem)
    try:
        with archive.open(member) as data:
            return data.read(MAX_MEMBER_BYTES + 1)
    except UNREADABLE as exc:
        reason = str(exc)[:200]
        raise ValueError(
            msg("batch.member_unreadable", name=member.filename[:200], reason=reason)
        ) from exc


def part_members(
    members: list[zipfile.ZipInfo], part: Part
) -> Iterator[tuple[int, zipfile.ZipInfo]]:
    """(index, member) of the members this part reads; sets `part.next_start` when its
    budget runs out first."""
    unpacked = 0
    for index in range(part.start, len(members)):
        if index - part.start >= SPLIT_MEMBERS or unpacked >= SPLIT_BYTES:
            part.next_start = index
            return
        unpacked += min(members[index].file_size, MAX_MEMBER_BYTES)
        yield index, members[index]
