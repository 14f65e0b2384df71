"""Catalog imports: file formats (``db.imports.formats``, no database needed) and the importer
that merges their rows into the catalog (``db.imports.importer``)."""
