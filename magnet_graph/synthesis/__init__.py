"""Synthesis: canonical trajectory records and their exports for stock trainers (more with issue #6)."""
