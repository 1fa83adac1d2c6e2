"""The index format and the files that hold it: schema (shard ids, file URLs, record checks), the
shard store and its packs, the user cache and its journal, sealed derived files (verified shards,
slice tables), merging records, the lazy reader a lock uses, and which PyPI files an index
keeps (``tags``).

May import: the standard library, third-party libraries, and mach_nix's shared leaf modules
(``errors``, ``names``, ``fsutil``, ``versions``). Never ``client``, ``crawl`` or ``view``: storage
is read offline by every lock.
"""
