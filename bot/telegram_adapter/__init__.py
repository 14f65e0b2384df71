"""Telegram front end (python-telegram-bot): parses updates, calls the core, renders replies."""
