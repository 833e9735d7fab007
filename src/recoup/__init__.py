"""Recoup: a self-hostable accounts-receivable collections system."""

__version__ = "0.1.0"
