"""Batches: engines (local processes, Ray), sinks (JSONL, tables, shards), and `xxgk show`."""
