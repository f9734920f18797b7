"""Helpers shared by the chapters of the book: runtime, data, train, plot, report.

Import the module you need (``from mlbook import data, train``); importing changes no global state.
"""

__version__ = "0.1.0"
