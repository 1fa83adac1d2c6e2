{
  description = "nixpkgs-shim: the slice of nixpkgs mach-nix uses, built from the host's tools (tests only)";
  outputs = { self }: {
    lib = import ./lib.nix;
    legacyPackages = builtins.listToAttrs (map (system: { name = system; value = import ./. { inherit system; }; })
      [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]);
  };
}
