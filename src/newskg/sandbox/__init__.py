"""Untrusted work under limits: parsing, canonicalisation, validation, reasoning and update pre-runs of request data
run in worker processes with a memory limit and a time limit that really stop them (the process is killed)."""
