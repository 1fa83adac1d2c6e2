"""The simple-API client: PEP 691/503 project pages, PEP 658 metadata files, range reads, request
deadlines, and reading core metadata out of wheels and sdists.

May import: ``mach_nix.index.storage`` (the shapes it fills in, e.g. ``FileResult``, and the
filename rules of ``storage.tags``) and mach_nix's leaf modules (``errors``, ``names``). Never
``crawl`` or ``view``.
"""
