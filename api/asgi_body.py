"""A request body read whole by a guard before the app, then handed to the app as if unread:
the guards that look into bodies (NUL characters, reserved texts) share this."""

from starlette.types import Message, Receive


async def read_body(receive: Receive) -> bytes:
    """Every chunk of the request's body, joined."""
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` first, then whatever comes next (the disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
