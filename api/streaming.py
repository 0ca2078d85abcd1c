"""Files written to a spooled temporary file, then sent in chunks: a large export costs disk,
not memory, and a failure while writing answers an error instead of half a file."""

import tempfile
from collections.abc import Awaitable, Callable, Iterator
from typing import BinaryIO
from urllib.parse import quote

from fastapi.responses import StreamingResponse

IN_MEMORY_UP_TO = 1024 * 1024
CHUNK = 64 * 1024


async def spool(write: Callable[[BinaryIO], Awaitable[object]]) -> BinaryIO:
    # Closed by _chunks once sent (a context manager would close it before the answer).
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
    try:
        await write(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _chunks(spooled: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := spooled.read(CHUNK):
            yield chunk
    finally:
        spooled.close()


def attachment(name: str) -> str:
    # RFC 6266: an ASCII fallback and the UTF-8 name.
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def streamed_file(spooled: BinaryIO, media_type: str, name: str) -> StreamingResponse:
    size = spooled.seek(0, 2)
    spooled.seek(0)
    return StreamingResponse(
        _chunks(spooled),
        media_type=media_type,
        headers={"Content-Disposition": attachment(name), "Content-Length": str(size)},
    )
