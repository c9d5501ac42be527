"""`python -m package.client` runs the `registry` command line."""

from package.client.cli import main

main()
