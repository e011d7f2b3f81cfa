"""One error type for every malformed or unsupported spec, located in the source."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in a spec source: file name, 1-based line and column, and the line's text."""

    file: str
    line: int
    col: int
    text: str = ""
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class LinError(Exception):
    """A spec error: names file:line:col, shows the line with a caret, and says what would be valid."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.loc}: error: {self.message}" if self.loc else f"error: {self.message}"
        lines = [head]
        if self.loc and self.loc.text:
            text = self.loc.text.rstrip("\n").replace("\t", " ")
            width = 1
            if self.loc.end_col and self.loc.end_col > self.loc.col:
                width = self.loc.end_col - self.loc.col
            lines.append(f"    {text}")
            lines.append("    " + " " * (self.loc.col - 1) + "^" + "~" * (width - 1))
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()
