# The normalized project names of the packed index (`mach-nix names`), read by import from
# derivation (built once per index): the one-liners' attribute names, and the filter that keeps the
# nixpkgs map (`--nixpkgs-json`) to the packages the index knows.
{ pkgs, mach-nix, index }:
builtins.fromJSON (builtins.readFile (pkgs.runCommand "mach-nix-index-names.json" {
  nativeBuildInputs = [ mach-nix ];
  preferLocalBuild = true;
} "mach-nix names --index ${index} > $out"))
