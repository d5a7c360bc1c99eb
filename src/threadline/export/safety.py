"""Spreadsheet safety: a cell that starts with ``= + - @`` (or a tab or
carriage return) is run as a formula by Excel and LibreOffice, which lets a
hostile source file execute code on an analyst's machine (CSV injection).
We prefix such cells with an apostrophe, as OWASP recommends."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
