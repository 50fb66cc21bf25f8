"""handbook: turn policies kept as YAML into a searchable training site and HR records."""

__version__ = "0.1.0"
