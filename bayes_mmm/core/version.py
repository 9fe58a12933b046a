"""The package version, in one place (written into model files and reports)."""

__version__ = "0.1.0"
