"""The schema of every source file, as pydantic models that forbid unknown fields."""
