"""The floor for the records service on PostgreSQL: the least a durable POST can do there.

``python -m benchmarks.pgfloor URL PORT``: a bare Starlette endpoint that reads the body, takes
the record's id and inserts it (``ON CONFLICT DO NOTHING``, committed, ``synchronous_commit``
on) through an async psycopg pool as wide as the most clients the suite sends, so every client
has a connection and PostgreSQL may share fsyncs between their commits; no validation, grading,
chain or checks. Measured with the same load as the service on PostgreSQL.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

HOST = "127.0.0.1"
CONNECTIONS = 32


def create_app(url: str) -> Starlette:
    pool = AsyncConnectionPool(url, min_size=CONNECTIONS, max_size=CONNECTIONS, open=False,
                               kwargs={"autocommit": True})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        async with pool.connection() as db:
            await db.execute("CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        yield
        await pool.close()

    async def insert(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            given = json.loads(raw)["id"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "send a JSON object with an id"}, status_code=400)
        async with pool.connection() as db:
            await db.execute("INSERT INTO records (id, body) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
                             (str(given), raw.decode("utf-8", "replace")))
        return JSONResponse({"status": "stored", "id": str(given)}, status_code=201)

    return Starlette(routes=[Route("/api/records", insert, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    import uvicorn

    uvicorn.run(create_app(sys.argv[1]), host=HOST, port=int(sys.argv[2]), log_level="warning",
                access_log=False, http="h11", loop="asyncio")  # as the service: see benchmarks/servers.py


if __name__ == "__main__":
    main()
