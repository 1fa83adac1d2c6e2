"""Resolution: a request (roots, constraints, providers) and an index → one release per project.

The modules, bottom up: at module level each imports only modules listed above it (function-level
imports, kept for start-up time, may reach further; tests/py/resolve/test_resolve_layout.py checks
the rule):

- ``target``, ``provider_order``: the platform and interpreter a lock is for; ``--providers``.
- ``specs``: versions and specifiers parsed once per text, each with an explicit id for memo keys.
- ``reasons``: why a file or candidate cannot be used (:class:`~mach_nix.resolve.reasons.Rejected`).
- ``budget``: time and memory limits of a resolution, and the tally of conflicts.
- ``contracts``: what the resolver is given: the :class:`IndexView` protocol, ``Root``, ``ResolveRequest``.
- ``candidates``: an index's files → ranked candidates per release.
- ``requirements``: ``Req``, Requires-Dist parsing, what a candidate requires for the target.
- ``forced``: what every solution satisfies, and what a candidate implies (unit propagation).
- ``factory``: what one resolution knows: projects, requirements, who asked for what, findings.
- ``prefetch``: read-ahead of the network (roots down; and down one project's releases).
- ``pruning``: the look-ahead that rules candidates out before resolvelib pins them.
- ``matches``: ``find_matches``, the walk down a project's releases, newest fitting first.
- ``resolvelib_internals``: the one module that reaches inside resolvelib (tested by
  tests/py/resolve/test_resolvelib_contract.py).
- ``provider``: resolvelib's protocol, answered by the modules above.
- ``absent``, ``explain``, ``failure``: the paragraphs and the data of a failed resolution.
- ``request``: parsed inputs → a ``ResolveRequest``.
- ``resolver``: runs one, the build requirements of the chosen sdists included.
"""
