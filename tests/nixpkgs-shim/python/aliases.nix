# Aliases, applied below every other extension (nixpkgs: pkgs/top-level/python-aliases.nix): a rename,
# an alias to another project, and a removal that throws. `six` is fictional here: it lets tests check that mach-nix builds a
# locked package whose nixpkgs attribute is a throwing alias.
lib: self: super: {
  flit_core = self.flit-core;
  # An alias to another project (nixpkgs: `cchardet = faust-cchardet`, a fork under another name).
  cchardet = self.faust-cchardet;
  six = throw "six has been removed from this package set (nixpkgs-shim test alias)";
  fetchPypi = throw "fetchPypi: PyPI's /packages/source/ redirects are not reachable here; use fetchurl";
}
