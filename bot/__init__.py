"""reelbot: a chat bot for people who talk about films and dramas together."""
