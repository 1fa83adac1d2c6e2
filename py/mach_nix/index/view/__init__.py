"""The index a lock reads: the layered view over the embedded index, the user cache and extra
layers (``layers``), and the on-demand remote layer that fills it from a simple API (``remote``).

May import: ``mach_nix.index.storage``, ``mach_nix.index.client``, ``mach_nix.index.crawl`` (the
remote layer builds records as the crawler does) and mach_nix's leaf modules.
"""
