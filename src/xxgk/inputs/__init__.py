"""Bytes to text: finding inputs, reading and decoding them (text, HTML, PDF, DOCX, crawler JSONL)."""
