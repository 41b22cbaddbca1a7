"""Indicators: the catalog of data elements, indicators, composite indices and targets; the engine."""
