"""Building an index from PyPI: the crawl scope, releases and their selection, the per-release
plan of files to read, the crash-safe work directory, records assembled from simple pages and
file results, the crawler itself, publishing, and adding projects to a layer.

May import: ``mach_nix.index.storage``, ``mach_nix.index.client`` and mach_nix's leaf modules
(``errors``, ``names``, ``fsutil``, ``specifiers``). Never ``view``.
"""
