"""Sub-commands of the `mach-nix` CLI; each module has ``register(subparsers)``."""
