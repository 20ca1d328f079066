"""Demo customers, products and units."""

STEPS: list = []
