"""The floor for the records service: the least a durable ``POST /api/records`` can do.

A bare Starlette endpoint that reads the body, takes the record's id and inserts it into
SQLite (WAL, ``synchronous=FULL``: each commit reaches the disk) on the event loop; no
validation, grading or checks. Measured with the same load as the real service, so the
difference is what those checks cost.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_app(database: Path) -> Starlette:
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, body TEXT NOT NULL)")

    async def post_record(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            record_id = str(json.loads(body)["id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "a record is a JSON object with an id"}, status_code=400)
        connection.execute("INSERT OR IGNORE INTO records (id, body) VALUES (?, ?)", (record_id, body))
        return JSONResponse({"status": "stored", "id": record_id}, status_code=201)

    return Starlette(routes=[Route("/api/records", post_record, methods=["POST"])])
