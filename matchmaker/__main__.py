"""``python -m matchmaker`` runs the command line."""

from matchmaker.cli import main

main()
