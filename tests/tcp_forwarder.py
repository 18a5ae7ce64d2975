"""A plain TCP forwarder on 127.0.0.1, like ``socat`` or a proxy that adds no headers.

Every connection to its port is piped byte for byte to a target port on 127.0.0.1, so the
target sees each visitor as this computer: the layout in which the bind address says nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass  # one side hung up; the other is closed below
    finally:
        writer.close()


@contextmanager
def tcp_forwarder(target_port: int) -> Iterator[int]:
    """Forward a new loopback port to ``target_port`` while the block runs; yields the new port."""
    loop = asyncio.new_event_loop()
    connections: set[asyncio.Task[object]] = set()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", target_port
            )
        except OSError:
            writer.close()
            return
        both = asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        connections.add(both)  # type: ignore[arg-type]
        try:
            await both
        finally:
            connections.discard(both)  # type: ignore[arg-type]

    server = loop.run_until_complete(asyncio.start_server(forward, "127.0.0.1", 0))
    port = int(server.sockets[0].getsockname()[1])
    thread = threading.Thread(target=loop.run_forever, name="tcp-forwarder", daemon=True)
    thread.start()

    async def stop() -> None:
        server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
