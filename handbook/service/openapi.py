"""The API described as OpenAPI 3.1, with the record schema taken from the pydantic model."""

from __future__ import annotations

import functools
from typing import Any

from handbook.records.contract import EXPORTS, FORMAT
from handbook.records.model import Record


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


@functools.cache
def openapi_document() -> dict[str, Any]:
    record = Record.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = record.pop("$defs", {})
    schemas["Record"] = record
    schemas["Problem"] = {
        "type": "object",
        "required": ["error", "detail", "problems"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"},
                       "problems": {"type": "array", "items": {"type": "string"}}},
    }
    schemas["Stored"] = {
        "type": "object",
        "required": ["status", "id", "received_at", "score", "passed", "score_mismatch", "message"],
        "properties": {
            "status": {"const": "stored"},
            "id": {"type": "string", "format": "uuid"},
            "received_at": {"type": "string", "description": "UTC time the record was first stored"},
            "score": {"type": ["number", "null"], "description": "the score recomputed by the server"},
            "passed": {"type": ["boolean", "null"]},
            "score_mismatch": {"type": "boolean", "description": "the client's score or pass was wrong"},
            "message": {"type": "string"},
        },
    }
    export_kinds = list(EXPORTS)
    stored = {"$ref": "#/components/schemas/Stored"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "handbook records service", "version": "1",
                 "description": f"Stores acknowledgements, quiz attempts and forms ({FORMAT}) "
                                "and exports them as CSV for HR. See RECORDS.md."},
        "paths": {
            "/api/records": {"post": {
                "summary": "Store one record (idempotent on its id)",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}},
                "responses": {
                    "201": {"description": "Stored (a replay of the same body gets the same answer)",
                            "content": {"application/json": {"schema": stored}}},
                    "400": _problem("Not JSON, not UTF-8, or a bad Content-Length"),
                    "403": _problem("Cross-origin post from an origin not in records.allowed_origins"),
                    "409": _problem("Another record with this id is already stored"),
                    "413": _problem("Body over 64 KiB"),
                    "415": _problem("Content-Type is not application/json"),
                    "422": _problem("Invalid record, or unknown policy, version, quiz, form or role"),
                    "429": _problem("Too many records from this address (see Retry-After)"),
                    "503": _problem("No build has succeeded yet (preview): nothing to check against"),
                },
            }},
            "/api/export/{kind}.csv": {"get": {
                "summary": "All records of one kind as CSV (columns in RECORDS.md)",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "kind", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": export_kinds}},
                    {"name": "excel", "in": "query", "required": False,
                     "description": "1 to start the file with a UTF-8 BOM for Excel",
                     "schema": {"type": "string", "enum": ["1"]}},
                ],
                "responses": {
                    "200": {"description": "RFC 4180 CSV, UTF-8", "content": {"text/csv": {}}},
                    "401": _problem("Missing or wrong token"),
                    "404": _problem("Unknown export kind"),
                    "503": _problem("HANDBOOK_ADMIN_TOKEN is not set: exports are disabled"),
                },
            }},
            "/api/openapi.json": {"get": {"summary": "This document",
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "the value of HANDBOOK_ADMIN_TOKEN"}},
        },
    }
