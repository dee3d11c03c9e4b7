"""``python -m rashomon`` runs the command-line interface."""

from .cli import main

main()
