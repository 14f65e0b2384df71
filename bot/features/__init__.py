"""Features over the shared kernel (bot/core): each package owns its commands, declared
next to their handlers and registered on the dispatcher at start-up."""
