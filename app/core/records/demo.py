"""The demo document register."""

STEPS: list = []
