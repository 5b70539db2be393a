"""The command line (``sen-transport``): the top layer, which uses everything and is used by nothing."""
