"""Offline passes over the stored archive: re-extract from the kept raw pages, re-tag."""
