"""Frontends produce the IR: .lin text (lin.py) and, later, decorated Python functions."""
from .lin import parse_file, parse_spec

__all__ = ["parse_spec", "parse_file"]
