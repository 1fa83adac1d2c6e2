"""mach-nix: reproducible Python environments on Nix.

The package mirrors the pipeline: ``inputs`` → ``index`` → ``resolve`` → ``lock`` → ``nix``.
"""

__version__ = "0.1.0"
