"""`python -m dackit` = the `dackit` command."""
from dackit.cli import main

main()
