"""Records: the record format, its checks against the project, storage, CSV and reports."""
