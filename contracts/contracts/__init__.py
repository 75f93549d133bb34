"""Shared event schemas, topic names and the appeal status machine."""
