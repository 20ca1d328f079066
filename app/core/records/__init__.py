"""Controlled records: audit trail, numbering and the document register."""
