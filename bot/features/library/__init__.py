"""A member's own library: their Letterboxd history, watchlists, availability alerts."""
