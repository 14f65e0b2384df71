"""The console chat (`reelbot chat`): the same core as Discord and Telegram, in a terminal."""
