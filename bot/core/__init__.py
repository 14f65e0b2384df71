"""The shared kernel every feature and front end builds on: command context and
replies, the dispatcher, the catalog snapshot and title lookup, settings precedence,
text and time helpers."""
