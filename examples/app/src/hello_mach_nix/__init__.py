"""hello-mach-nix: prints the versions of its dependencies."""

import requests


def main() -> None:
    print(f"hello from mach-nix with requests {requests.__version__}")
