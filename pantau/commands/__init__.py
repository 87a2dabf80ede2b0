"""The ``pantau`` subcommands, one module per group."""
