"""``python -m p4lab``: the same as the ``p4lab`` command."""

from p4lab.cli import main

main()
