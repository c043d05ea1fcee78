"""Composing and delivering mail. Knows nothing of the database models of ``meetings``."""
