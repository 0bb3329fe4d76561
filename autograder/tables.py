"""Read the CSV files instructors edit in spreadsheets, and write files spreadsheets read well.

Excel saves "CSV UTF-8" with a byte-order mark, plain "CSV" in the Windows code page
(Windows-1252 in Canada) and, where the decimal separator is a comma (French-language
settings), with semicolons between fields. All of these are read as the same table. Files
for people to open are written as UTF-8 with a byte-order mark, so Excel shows "é" as "é".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = (",", ";", "\t")


@dataclass
class Table:
    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as a spreadsheet shows it, row)
    delimiter: str
    encoding: str

    def number(self, text: str) -> float:
        """A number as a spreadsheet wrote it: ``3.5``, or ``3,5`` in a semicolon file."""
        cleaned = text.strip()
        if self.delimiter != "," and "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        return float(cleaned)


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _delimiter(header: str) -> str:
    """The separator that splits the header line into the most columns (a comma on a tie)."""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def read_table(path: Path) -> Table:
    """Every row of a CSV file with its row number (the header is row 1, as a spreadsheet
    shows it), whatever Excel saved it as. Column names
    are stripped of spaces; so are cells."""
    path = Path(path)
    text, encoding = _decode(path.read_bytes())
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = _delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    line = 0
    for values in reader:
        line += 1  # the row as a spreadsheet numbers it (a quoted cell may span text lines)
        if not columns:
            columns = [c.strip() for c in values]
        elif any(v.strip() for v in values):
            rows.append((line, {c: (values[i].strip() if i < len(values) else "")
                                for i, c in enumerate(columns)}))
    return Table(path, columns, rows, delimiter, encoding)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return, as a file name, a reason or an answer from a
    submission may) kept as text by a leading apostrophe (OWASP's advice on CSV injection).
    Numbers are left as they are."""
    return f"'{cell}" if isinstance(cell, str) and cell[:1] in FORMULA_STARTS else cell


def unquoted(cell: str) -> str:
    """A cell as it was before ``spreadsheet_safe`` kept it as text."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1] in FORMULA_STARTS else cell


def write_for_spreadsheets(path: Path, columns: list[str], rows: list[list]) -> None:
    """A CSV file that Excel opens with its accents intact (UTF-8 with a byte-order mark),
    and with no cell it would run as a formula."""
    with Path(path).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(c) for c in columns])
        writer.writerows([spreadsheet_safe(c) for c in row] for row in rows)
