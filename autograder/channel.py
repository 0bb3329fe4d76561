"""Length-prefixed JSON messages over a socket, with a deadline on every wait.

The sandbox and the grader talk only through this: each message is eight bytes of length, then
that many bytes of JSON text. JSON carries data and nothing else (no code, no objects), so what
the grader reads from a submission can never run; a message larger than :data:`MAX_MESSAGE`,
or one that does not arrive by its deadline, is refused rather than waited for.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from typing import Any

MAX_MESSAGE = 128 * 1024 * 1024
_HEADER = struct.Struct("!Q")


class ChannelClosed(Exception):
    """The other side closed the channel, or sent something that is not a message."""


class NotAMessage(ChannelClosed):
    """What arrived is not JSON the grader can read (malformed, nested too deeply, or too
    large to decode in the memory allowed)."""


class ChannelTimeout(Exception):
    """No whole message arrived before the deadline."""


class Channel:
    """One end of a connected stream socket, speaking in whole JSON messages."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    def send(self, message: Any) -> None:
        data = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
        if len(data) > MAX_MESSAGE:
            raise ValueError("message too large to send")
        self.sock.sendall(_HEADER.pack(len(data)) + data)

    def receive(self, deadline: float | None = None) -> Any:
        """The next message; waits until ``deadline`` (a ``time.monotonic()`` value), or for
        ever when it is None."""
        while True:
            if len(self._buffer) >= _HEADER.size:
                (length,) = _HEADER.unpack_from(self._buffer)
                if length > MAX_MESSAGE:
                    raise NotAMessage("message larger than allowed")
                if len(self._buffer) >= _HEADER.size + length:
                    data = bytes(self._buffer[_HEADER.size:_HEADER.size + length])
                    del self._buffer[:_HEADER.size + length]
                    try:
                        return json.loads(data.decode("utf-8"))
                    except (UnicodeDecodeError, ValueError, RecursionError,
                            MemoryError) as error:
                        raise NotAMessage("not a message") from error
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise ChannelTimeout
            ready, _, _ = select.select([self.sock], [], [], wait)
            if not ready:
                raise ChannelTimeout
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            self._buffer += chunk

    def close(self) -> None:
        self.sock.close()
