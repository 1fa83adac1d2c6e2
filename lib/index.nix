# The embedded index packed into the store (`mach-nix index pack`), so resolutions read lz4 shards.
{ pkgs, mach-nix, pypiData }:
pkgs.runCommand "mach-nix-index" { nativeBuildInputs = [ mach-nix ]; } ''
  mach-nix index pack ${pypiData} $out
''
