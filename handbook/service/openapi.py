"""The API described as OpenAPI 3.1, with the record schema taken from the pydantic model."""

from __future__ import annotations

import functools
from typing import Any

from handbook.records.contract import EXPORTS, FORMAT
from handbook.records.model import Record


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"schema": schema or {"type": "object"}}
    return {"description": description, "content": {"application/json": body}}


def exam_paths() -> dict[str, Any]:
    """The exam endpoints (handbook/service/exams.py): an attempt without keys, then its grade."""
    person = {"type": "object", "required": ["person"],
              "properties": {"person": {"$ref": "#/components/schemas/Person"}}}
    answers = {"type": "object", "required": ["employee_id", "answers"], "properties": {
        "employee_id": {"type": "string"},
        "answers": {"type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
    refusals = {"400": _problem("Not JSON"),
                "403": _problem("Another person's attempt, or every attempt used"),
                "404": _problem("No such exam or attempt"),
                "422": _problem("Invalid person block or answers"),
                "429": _problem("Waiting period between attempts (see Retry-After), or too many requests")}
    return {
        "/api/exams/{quiz_id}/attempts": {"post": {
            "summary": "Start an exam attempt (or get back the person's open one): questions without keys",
            "parameters": [{"name": "quiz_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": person}}},
            "responses": {"201": _json("A new attempt: id, person, number, expiry, questions"),
                          "200": _json("The person's attempt still open"), **refusals},
        }},
        "/api/exams/attempts/{attempt_id}/answers": {"post": {
            "summary": "Answer an attempt once: graded, stored as a quiz-attempt record (source exam)",
            "parameters": [{"name": "attempt_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": answers}}},
            "responses": {"201": _json("Score, pass, the stored record and each question's feedback"),
                          "409": _problem("This attempt was already answered"),
                          "410": _problem("This attempt expired, or the exam changed since it started"),
                          **refusals},
        }},
    }


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
            **exam_paths(),
            "/api/openapi.json": {"get": {"summary": "This document",
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "the value of HANDBOOK_ADMIN_TOKEN"}},
        },
    }
