"""Finding something to watch: /search, /title cards, /recommend (similar titles and personal
picks), /where to watch, and the title cards of inline mode."""
