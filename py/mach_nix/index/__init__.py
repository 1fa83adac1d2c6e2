"""The PyPI dependency index, in four sub-packages by concern (lower ones never import higher ones):

- :mod:`mach_nix.index.storage`: the index format and its files (shards, packs, the user cache);
- :mod:`mach_nix.index.client`: the simple-API client (pages, metadata files, archives);
- :mod:`mach_nix.index.crawl`: building and publishing an index from PyPI;
- :mod:`mach_nix.index.view`: the layered index a lock reads (embedded, user cache, on demand).

The allowed imports are a table in ``tests/py/test_import_rules.py`` (``ALLOWED``).
"""
