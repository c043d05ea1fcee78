"""The meeting log (issue 6): tables, writing while the meeting runs, reading for the records."""
