"""A loopback TCP proxy that tests can cut and restore, to take "the database" away from the app
without touching the shared PostgreSQL server: cutting drops every open connection and refuses
new ones (the port stops listening), restoring listens on the same port again."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    @classmethod
    def to_url(cls, db_url: str) -> TcpProxy:
        """A proxy to the server of a database URL (see `url`)."""
        parsed = make_url(db_url)
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432)

    def url(self, db_url: str) -> str:
        """`db_url` with its host and port pointed at this proxy."""
        return (
            make_url(db_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and drop every open connection, both ways, at once."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _accept(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            server_in, server_out = await asyncio.open_connection(*self.target)
        except OSError:
            client_out.transport.abort()
            return
        self._links.update((client_out, server_out))
        for source, sink in ((client_in, server_out), (server_in, client_out)):
            pump = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(sink)
            with contextlib.suppress(Exception):
                sink.close()
