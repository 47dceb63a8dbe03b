"""The deterministic stages: labels, metadata, section headers, tables, narrative counts, checks."""
