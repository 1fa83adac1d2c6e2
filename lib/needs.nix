# What a locked binary wheel's `needs` (docs/lock-format.md) ask of its build, through the soname
# table overrides/sonames.json (data: soname → nixpkgs attribute paths).
{ lib, pkgs, table ? builtins.fromJSON (builtins.readFile ../overrides/sonames.json) }:
let
  # The first attribute path of `paths` this nixpkgs has (R24.05 names come after newer ones).
  firstPresent = paths:
    let found = lib.filter (p: lib.attrByPath (lib.splitString "." p) null pkgs != null) paths; in
    if found == [ ] then null else lib.head found;
  skippedWhenPlugin = attr: lib.any (prefix: lib.hasPrefix prefix attr) table.pluginOnlySkip;
in
rec {
  /* classify :: soname -> need -> { kind, attr ? } — what one need asks for:
     `wheel` (another locked wheel ships it: its directory joins autoPatchelf's search path),
     `manylinux` (every pythonManylinuxPackages set has it), `driver` (the NVIDIA driver, found at
     run time through the driver runpath), `package` (`attr` of the table, present here),
     `tolerated` (a plugin-only need nothing maps, or that maps to an unfree or very large package),
     `missing` (a need of an importable module that nothing here provides).
     Example: classify "libtbb.so.12" { use = "module"; } == { kind = "package"; attr = "tbb_2022"; }
  */
  classify = soname: need:
    let
      paths = table.sonames.${soname} or [ ];
      attr = firstPresent paths;
      plugin = need.use == "plugin";
    in
    if need ? wheel then { kind = "wheel"; inherit (need) wheel; }
    else if lib.elem soname table.manylinux then { kind = "manylinux"; }
    else if lib.elem soname table.driver then { kind = "driver"; }
    else if attr != null && !(plugin && skippedWhenPlugin attr) then { kind = "package"; inherit attr; }
    else if plugin then { kind = "tolerated"; }
    else { kind = "missing"; known = paths; };

  /* forWheel :: { name, entry } -> { buildInputs, searchWheels, ignoreMissing, driver, tolerated }
     The build inputs of one wheel from its `needs`; throws (one paragraph naming the wheel, the
     soname and the table line to add) when an importable module needs what nothing provides.
     Example: (forWheel { name = "numba"; entry = lockEntry; }).buildInputs == [ pkgs.tbb_2022 ]
  */
  forWheel = { name, entry }:
    let
      needs = entry.needs or { };
      kinds = lib.mapAttrs classify needs;
      of = kind: lib.filter (s: kinds.${s}.kind == kind) (lib.attrNames kinds);
      missing = of "missing";
      first = lib.head missing;
      known = kinds.${first}.known;
    in
    if missing != [ ] then
      throw ("mach-nix: the wheel ${entry.filename} (${name} ${entry.version}) has an importable extension module that needs "
        + "${first}${lib.optionalString (lib.length missing > 1) " (and ${lib.concatStringsSep ", " (lib.tail missing)})"}, "
        + (if known != [ ]
           then "which overrides/sonames.json maps to ${lib.concatStringsSep " or " known}, none of which this nixpkgs has. "
           else "which no locked wheel ships and overrides/sonames.json does not map to a nixpkgs package. ")
        + "Add the package that has lib/${first} to overrides/sonames.json, e.g. the line  \"${first}\": [\"<attribute>\"],  "
        + "(search.nixos.org, or `nix-locate lib/${first}`), or give it to this wheel in overridesPost: "
        + "(final: prev: { ${name} = prev.${name}.overridePythonAttrs (o: { buildInputs = o.buildInputs ++ [ pkgs.<attribute> ]; }); }).")
    else {
      buildInputs = lib.unique (map (s: lib.attrByPath (lib.splitString "." kinds.${s}.attr) null pkgs) (of "package"));
      searchWheels = lib.unique (map (s: kinds.${s}.wheel) (of "wheel"));
      driver = of "driver" != [ ];
      tolerated = of "tolerated";
      # autoPatchelf fails on any DT_NEEDED it cannot find: the driver's libraries are not there
      # at build time, and tolerated plugin needs are not there at all.
      ignoreMissing = of "driver" ++ of "tolerated";
    };
}
