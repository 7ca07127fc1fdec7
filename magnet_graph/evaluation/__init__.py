"""Evaluation: dataset quality reports of a synthesize run and the BFCL contamination guard."""
