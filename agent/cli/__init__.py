"""The ``nesy`` command line: ``main`` is the console entry point (``nesy = "agent.cli:main"``)."""

from agent.cli.main import EXIT_USER_ERROR, main

__all__ = ["EXIT_USER_ERROR", "main"]
