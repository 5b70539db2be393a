"""``python -m transport.cli``: the same command line as ``sen-transport``."""

from transport.cli.main import main

main()
