# Index layers packed into the store (`mach-nix index pack`), so resolutions read lz4 shards: the
# embedded index (`pypiData`) and the project-local layers of `indexes` (`mach-nix index add`).
{ lib, pkgs, mach-nix }:
rec {
  /* pack :: { dir, name ? "mach-nix-index" } -> derivation
     The index directory `dir` (either form) as lz4 in the store; built once per content.
     Example: pack { dir = ../data; }  →  /nix/store/…-mach-nix-index/{00.json.lz4,…,metadata.json}
  */
  pack = { dir, name ? "mach-nix-index" }:
    pkgs.runCommand name { nativeBuildInputs = [ mach-nix ]; } ''
      mach-nix index pack ${dir} $out
    '';

  /* checkLayer :: int -> any -> (path | string) — entry number `n` (from 1) of `indexes`, or a
     throw saying what is wrong. An entry is a Nix path or an absolute string path of an index
     directory (one with metadata.json, as `mach-nix index add … --out DIR` writes), or a
     derivation whose output is one (not checked here: that would build it while evaluating).
     Example: checkLayer 1 ./mach-nix-index == ./mach-nix-index
  */
  checkLayer = n: entry:
    let
      what = "mach-nix: indexes entry ${toString n}";
      fix = "Make a layer with `mach-nix index add NAME… --closure --out ./mach-nix-index` and give indexes = [ ./mach-nix-index ];";
      text = toString entry;
    in
    if lib.isDerivation entry then entry
    else if !(builtins.isPath entry || lib.isString entry) then
      throw "${what} is a ${builtins.typeOf entry}, not the path of an index directory. ${fix}"
    else if lib.isString entry && lib.hasPrefix builtins.storeDir text then entry  # a store path: built, not checked
    else if lib.isString entry && !(lib.hasPrefix "/" text) then
      throw "${what} (${builtins.toJSON text}) is not an absolute path; write it as a Nix path (./mach-nix-index) or an absolute string. ${fix}"
    else if !(builtins.pathExists (text + "/metadata.json")) then
      throw "${what} (${text}) is not an index directory: it has no metadata.json${lib.optionalString (!(builtins.pathExists text)) " (it does not exist)"}. ${fix}"
    else entry;

  /* layers :: [entry] -> [derivation] — the `indexes` entries checked (checkLayer) and packed,
     in the order given (for each project version the first layer holding it wins, after the
     embedded index). A Nix path is copied into the store under a fixed name, so only its content
     counts. Throws when `entries` is not a list.
  */
  layers = entries:
    if !(lib.isList entries) then
      throw "mach-nix: indexes must be a list of index directories, e.g. indexes = [ ./mach-nix-index ]; (got a ${builtins.typeOf entries})."
    else builtins.genList (i:
      let e = checkLayer (i + 1) (builtins.elemAt entries i); in
      pack {
        dir = if builtins.isPath e then builtins.path { path = e; name = "mach-nix-index-layer-src"; } else e;
        name = "mach-nix-index-layer";
      }) (builtins.length entries);
}
