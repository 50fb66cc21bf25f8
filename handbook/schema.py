"""JSON Schemas of the source files, for editors (YAML language server) to autocomplete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handbook.load import MAX_DEPTH
from handbook.project import SOURCE_KINDS
from handbook.projectfiles import MAX_SOURCE_BYTES, MiB


def schemas() -> dict[str, dict[str, Any]]:
    """One schema per kind of source file, keyed by the kind's name."""
    result = {}
    for kind in SOURCE_KINDS:
        schema = kind.model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"handbook {kind.name} file ({kind.path})"
        limits = (f"The file is at most {MAX_SOURCE_BYTES // MiB} MiB of UTF-8 YAML, read as YAML 1.2 "
                  f"(yes/no are words; quote numbers meant as text), nested at most {MAX_DEPTH} levels.")
        schema["description"] = f"{schema.get('description', '').strip()} {limits}".strip()
        result[kind.name] = schema
    return result


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = out / f"{name}.schema.json"
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written
