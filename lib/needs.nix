# What a locked binary wheel's `needs` (docs/lock-format.md) ask of its build, through the soname
# table overrides/sonames.json (data: soname → nixpkgs attribute paths).
{ lib, pkgs, table ? builtins.fromJSON (builtins.readFile ../overrides/sonames.json) }:
assert lib.assertMsg (table ? sonames && table ? manylinux && table ? driver && table ? interpreter && table ? anyOf)
  "mach-nix: the soname table lacks one of sonames, manylinux, driver, interpreter, anyOf (overrides/sonames.json).";
let
  # The first attribute path of `paths` this nixpkgs has (R24.05 names come after newer ones). A
  # removed package is an alias that throws (aliases.nix: `ffmpeg_5 = throw "…has been removed…"`),
  # which counts as absent.
  present = p: let got = builtins.tryEval (lib.attrByPath (lib.splitString "." p) null pkgs != null); in got.success && got.value;
  firstPresent = paths:
    let found = lib.filter present paths; in
    if found == [ ] then null else lib.head found;
  skippedWhenPlugin = attr: lib.any (prefix: lib.hasPrefix prefix attr) table.pluginOnlySkip;
  # "3.12" for libpython3.12.so.1.0, else null.
  interpreterVersion = soname:
    let m = builtins.match table.interpreter soname; in if m == null then null else lib.head m;
in
rec {
  /* classifyFor :: pythonVersion -> soname -> need -> { kind, attr ? } — what one need asks for:
     `manylinux` (every pythonManylinuxPackages set has it), `driver` (the NVIDIA driver, found at
     run time through the driver runpath), `wheel` (another locked wheel ships it and nixpkgs has
     no free package of it: that wheel's directory joins autoPatchelf's search path), `interpreter` (the environment's own libpython),
     `otherInterpreter` (another Python's libpython: only modules built for that Python need it, and
     this interpreter never imports them), `package` (`attr` of the table, present here),
     `tolerated` (a plugin-only need nothing maps, or that maps to an unfree or very large package),
     `missing` (a need of an importable module that nothing here provides).
     `pythonVersion`: the interpreter's "3.12", or null when unknown (libpython is then a plain need).
     Example: classifyFor "3.12" "libpython3.11.so.1.0" { use = "module"; } == { kind = "otherInterpreter"; }
  */
  classifyFor = pythonVersion: soname: need:
    let
      paths = table.sonames.${soname} or [ ];
      attr = firstPresent paths;
      plugin = need.use == "plugin";
      version = interpreterVersion soname;
    in
    if lib.elem soname table.manylinux then { kind = "manylinux"; }
    else if lib.elem soname table.driver then { kind = "driver"; }
    # Another locked wheel's copy serves what nixpkgs has only as an unfree or very large package
    # (the nvidia-* wheels' CUDA libraries, which the needer was built against) or not at all
    # (torch's libc10.so); a free package comes first, so that an unrelated wheel's bundled copy
    # (milvus-lite ships libz.so.1 and libgcc_s.so.1 under their own names) is never linked.
    else if need ? wheel && (attr == null || skippedWhenPlugin attr) then { kind = "wheel"; inherit (need) wheel; }
    else if version != null && pythonVersion != null then { kind = if version == pythonVersion then "interpreter" else "otherInterpreter"; }
    else if attr != null && !(plugin && skippedWhenPlugin attr) then { kind = "package"; inherit attr; }
    else if plugin then { kind = "tolerated"; }
    else { kind = "missing"; known = paths; };

  /* classify :: soname -> need -> { kind, attr ? } — classifyFor with no interpreter known.
     Example: classify "libtbb.so.12" { use = "module"; } == { kind = "package"; attr = "tbb_2022"; }
  */
  classify = classifyFor null;

  /* alternatives :: needs -> [ soname ] — the needs a wheel has of the groups of an `anyOf` family
     (overrides/sonames.json: FFmpeg's majors) other than the one its build gets: the first group,
     in the table's order, that the wheel needs something of and whose needed sonames all map to an
     attribute this nixpkgs has. Only one group is loaded at run time (torchcodec tries each major
     in turn), so the others stay unresolved. No usable group: [ ] (the needs are then classified
     one by one, and a module's need of the family is refused like any other).
     Example: alternatives { "libavutil.so.60" = m; "libavutil.so.59" = m; } == [ "libavutil.so.60" ]   # with only ffmpeg_7
  */
  alternatives = needs:
    let
      needed = g: lib.filter (s: needs ? ${s} && !(needs.${s} ? wheel)) g;
      usable = g: lib.all (s: firstPresent (table.sonames.${s} or [ ]) != null) (needed g);
      others = family:
        let
          touched = lib.filter (g: needed g != [ ]) family.groups;
          chosen = lib.findFirst usable null touched;
        in
        # a soname of two groups (FFmpeg 5 and 6 share libswresample.so.4) stays with the chosen one
        if chosen == null then [ ] else lib.subtractLists chosen (lib.concatMap needed (lib.filter (g: g != chosen) touched));
    in
    lib.unique (lib.concatMap others table.anyOf);

  /* forWheel :: { name, entry, python ? null } -> { buildInputs, searchWheels, ignoreMissing, driver, tolerated, alternatives, otherInterpreters }
     The build inputs of one wheel from its `needs`; throws (one paragraph naming the wheel, the
     soname and the table line to add) when an importable module needs what nothing provides.
     `python`: the interpreter the wheel is installed for (its libpython is given when needed).
     Example: (forWheel { name = "numba"; entry = lockEntry; inherit python; }).buildInputs == [ pkgs.tbb_2022 ]
  */
  forWheel = { name, entry, python ? null }:
    let
      needs = entry.needs or { };
      unused = alternatives needs;
      classified = lib.mapAttrs (classifyFor (if python == null then null else python.pythonVersion)) needs;
      kinds = classified // lib.genAttrs unused (_: { kind = "alternative"; });
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
      buildInputs = lib.unique (map (s: lib.attrByPath (lib.splitString "." kinds.${s}.attr) null pkgs) (of "package"))
        ++ lib.optional (of "interpreter" != [ ]) python;
      searchWheels = lib.unique (map (s: kinds.${s}.wheel) (of "wheel"));
      driver = of "driver" != [ ];
      tolerated = of "tolerated";
      alternatives = of "alternative";
      otherInterpreters = of "otherInterpreter";
      # autoPatchelf fails on any DT_NEEDED it cannot find: the driver's libraries are not there
      # at build time, and tolerated plugin needs, unused alternatives and other Pythons' libpython
      # are not there at all.
      ignoreMissing = of "driver" ++ of "tolerated" ++ of "alternative" ++ of "otherInterpreter";
    };
}
