"""The items of a JSON batch, read incrementally: `{"items": [<item>, ...]}` is never held whole.

The body is decoded from UTF-8 a piece at a time into a text buffer that holds at most one item
and one read ahead; each item is parsed with `json.JSONDecoder.raw_decode` as soon as the
buffer holds all of it, duplicate keys refused as `chalicelib.documents.parse_json` refuses them.
A fraction is a float, not a `Decimal`: an item goes on in a chunk message as JSON (a fraction
where the model wants an integer rejects that row, as a `Decimal` would). Peak memory is about
the largest item, not the body (tests/unit/test_batch_streaming.py).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from chalicelib.documents import whole_number
from chalicelib.errors import MalformedJsonError, RequestValidationError
from chalicelib.messages import msg

READ_BYTES = 64 * 1024
MAX_ITEM_CHARS = 1_000_000  # an item larger than this fails the batch; README, "Budgets"
OPENING = re.compile(r'\s*\{\s*"items"\s*:\s*\[')
SPACE = re.compile(r"\s*")
END = "the body ends inside the list of items"
SHAPE = msg("batch.json_shape")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise MalformedJsonError(
            msg("json.duplicate_key", key=next(k for k in keys if keys.count(k) > 1))
        )
    return dict(pairs)


DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_int=whole_number)


def malformed(reason: str) -> RequestValidationError:
    return RequestValidationError(msg("batch.not_json", reason=reason))


def shape_error() -> RequestValidationError:
    return RequestValidationError(
        SHAPE, [{"path": "/items", "code": "batch_shape", "message": msg("detail.json_shape")}]
    )


class _Text:
    """The body as text, a read at a time: `buffer[pos:]` is what is not consumed yet."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        """Read on; False at the end of the body."""
        if self.eof:
            return False
        raw = self.stream.read(READ_BYTES)
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise malformed(f"the body is not UTF-8 ({exc.reason})") from exc
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0
        self.eof = not raw
        return True

    def skip_space(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            match = SPACE.match(self.buffer, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buffer) or not self.more():
                return self.buffer[self.pos : self.pos + 1]

    def value(self) -> tuple[Any, int]:
        """The next JSON value and its length in characters."""
        while True:
            try:
                value, end = DECODER.raw_decode(self.buffer, self.pos)
                if end < len(self.buffer) or self.eof:  # a number may go on in the next read
                    start, self.pos = self.pos, end
                    return value, end - start
                error = msg("batch.ends_inside_item")
            except MalformedJsonError as exc:
                raise malformed(str(exc)) from exc
            except RecursionError as exc:
                raise malformed(msg("json.too_deep")) from exc
            except ValueError as exc:  # json.JSONDecodeError: maybe only cut off by the read
                error = msg("batch.json_error", detail=str(exc))
            if len(self.buffer) - self.pos > MAX_ITEM_CHARS:
                raise RequestValidationError(msg("batch.item_too_large", limit=MAX_ITEM_CHARS))
            if not self.more():
                raise malformed(error)


def items(stream: IO[bytes]) -> Iterator[tuple[Any, int]]:
    """Each item of the batch and its length in characters; RequestValidationError when the
    body is not a JSON batch (raised where it stops being one: earlier items were yielded)."""
    text = _Text(stream)
    while True:
        match = OPENING.match(text.buffer)
        if match:
            text.pos = match.end()
            break
        if len(text.buffer) > 4096 or not text.more():
            raise shape_error()
    if text.skip_space() == "]":
        text.pos += 1
    else:
        while True:
            yield text.value()
            after = text.skip_space()
            text.pos += 1
            if after == "]":
                break
            if after != ",":
                raise malformed("the items are not separated by commas" if after else END)
            if not text.skip_space():
                raise malformed(END)
    if text.skip_space() != "}":
        raise shape_error()
    text.pos += 1
    if text.skip_space():
        raise malformed("there is more after the batch")
