"""Admins curate the catalog: titles, offers, editorial review articles, imports, stats."""
