"""Discord front end (discord.py): slash commands and buttons over the same core."""
