"""The `warta` command's subcommands, one module per group (warta.cli puts them together)."""
