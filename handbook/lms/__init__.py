"""Packages of the handbook for a town's learning management system: SCORM 1.2 and 2004, cmi5."""
