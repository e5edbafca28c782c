"""The MicroPython sources under mp/ and fakes/ are run by MicroPython, not collected by pytest."""

collect_ignore_glob = ["mp/*", "fakes/*"]
