"""Readers and writers of the files councils hold (CSV cells, points, children)."""
