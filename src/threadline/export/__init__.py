"""Exports of entities: FtM JSON lines, CSV and XLSX."""

from threadline.export.entities import EXPORT_FORMATS, export_entities

__all__ = ["EXPORT_FORMATS", "export_entities"]
