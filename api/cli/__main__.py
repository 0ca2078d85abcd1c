"""`python -m api.cli …`, the same as the installed `rgpd …`."""

from api.cli import main

main()
