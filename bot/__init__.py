"""ganwen front ends: the `ganwen` command (CLI, REPL) and the Telegram bot, thin over retrieval.Engine."""
