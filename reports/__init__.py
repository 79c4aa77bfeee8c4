"""Probability reports from warehouse queries (issue 7; not built yet)."""
