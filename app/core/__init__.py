"""The platform every procedure stands on. It imports no procedure."""
