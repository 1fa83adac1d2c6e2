"""The PyPI dependency index: schema, shard store, PyPI client, metadata parsing and crawler."""
