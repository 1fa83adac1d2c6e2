# A local Python project's static metadata (pyproject.toml: PEP 621 or Poetry; or setup.cfg), read
# at evaluation time with builtins.fromTOML / a small setup.cfg reader.
{ lib }:
let
  names = import ./names.nix { inherit lib; };
  constants = import ./constants.nix { };
  toList = x: if x == null then [ ] else if lib.isList x then x else [ x ];
  trim = s: let m = builtins.match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in if m == null then "" else lib.head m;
in
rec {
  /* requirementName :: string -> string or null — the normalized project of a PEP 508 string.
     Example: requirementName "Requests[socks]>=2; python_version>'3'" == "requests"
  */
  requirementName = s:
    let m = builtins.match "[[:space:]]*([A-Za-z0-9][A-Za-z0-9._-]*).*" s; in
    if m == null then null else names.normalize (lib.head m);

  /* requirementSpecifier :: string -> string — the version specifier of a PEP 508 requirement
     (name, extras and marker removed).
     Example: requirementSpecifier "setuptools[core] >= 77 ; python_version >= '3.9'" == ">= 77"
  */
  requirementSpecifier = s:
    let
      noMarker = lib.head (lib.splitString ";" s);
      m = builtins.match "[[:space:]]*[A-Za-z0-9][A-Za-z0-9._-]*[[:space:]]*(\\[[^]]*])?[[:space:]]*\\(?([^)]*)\\)?[[:space:]]*" noMarker;
    in if m == null then "" else lib.elemAt m 1;

  /* requirementNames :: string -> [string] — names of a requirements.txt text (comments, options skipped). */
  requirementNames = text:
    lib.filter (n: n != null) (map (l: if lib.hasPrefix "-" l || lib.hasPrefix "#" l then null else requirementName l)
      (map (l: lib.head (lib.splitString " #" l)) (lib.splitString "\n" text)));

  /* fileIn :: (path | string | derivation) -> string -> (path | string) — `name` inside a source. */
  fileIn = src: name: if builtins.isPath src then src + "/${name}" else "${src}/${name}";

  /* parseSetupCfg :: string -> attrs of attrs of string — sections → keys → values (continuation
     lines joined with "\n"); enough for static [metadata] and [options].
     Example: (parseSetupCfg "[metadata]\nname = x\n").metadata.name == "x"
  */
  parseSetupCfg = text:
    let
      lines = lib.splitString "\n" text;
      step = st: line:
        let
          sec = builtins.match "[[](.+)[]][[:space:]]*" line;
          kv = builtins.match "([A-Za-z0-9_.-]+)[[:space:]]*[=:][[:space:]]*(.*)" line;
          cont = builtins.match "[[:space:]]+([^[:space:]].*)" line;
          blank = builtins.match "[[:space:]]*([#;].*)?" line != null;
        in
        if sec != null then st // { section = lib.head sec; key = null; }
        else if cont != null && st.key != null then
          st // { data = st.data // { ${st.section} = st.data.${st.section} // { ${st.key} = st.data.${st.section}.${st.key} + "\n" + lib.head cont; }; }; }
        else if blank then st
        else if kv != null && st.section != null then
          let k = lib.elemAt kv 0; in
          st // { key = k; data = st.data // { ${st.section} = (st.data.${st.section} or { }) // { ${k} = lib.elemAt kv 1; }; }; }
        else st;
    in (lib.foldl' step { section = null; key = null; data = { }; } lines).data;

  /* read :: { src, extras ? [ ] } -> metadata
     { name, version, dependencies (normalized names, extras included), buildRequires (strings),
       kind = "pyproject" | "setup.cfg", file, dynamic ([string]: what is not static) }.
     Throws when the source has neither pyproject.toml nor setup.cfg.
  */
  read = { src, extras ? [ ] }:
    let
      pyprojectFile = fileIn src "pyproject.toml";
      cfgFile = fileIn src "setup.cfg";
      hasPyproject = builtins.pathExists pyprojectFile;
      hasCfg = builtins.pathExists cfgFile;
      toml = if hasPyproject then builtins.fromTOML (builtins.readFile pyprojectFile) else { };
      project = toml.project or null;
      poetry = toml.tool.poetry or null;
      cfg = if hasCfg then parseSetupCfg (builtins.readFile cfgFile) else { };
      cfgMeta = cfg.metadata or { };
      cfgOptions = cfg.options or { };
      cfgStatic = v: v != null && !(lib.hasPrefix "attr:" v) && !(lib.hasPrefix "file:" v);
      cfgList = v: lib.filter (s: s != "" && !(lib.hasPrefix "#" s)) (map trim (lib.splitString "\n" v));
      buildRequires = toml.build-system.requires or constants.legacyBuildSystem.requires;
      ownName = n: n == names.normalize (kind'.name or "");
      kind' =
        if project != null then
          let dyn = project.dynamic or [ ]; in {
            kind = "pyproject"; file = toString pyprojectFile; file' = pyprojectFile; name = project.name or null;
            version = if lib.elem "version" dyn then null else project.version or null;
            dynamic = lib.filter (f: lib.elem f [ "version" "dependencies" "optional-dependencies" ]) dyn;
            depStrings = (project.dependencies or [ ]) ++ lib.concatMap (e: project.optional-dependencies.${e} or [ ]) extras;
          }
        else if poetry != null then {
          kind = "pyproject"; file = toString pyprojectFile; file' = pyprojectFile; name = poetry.name or null; version = poetry.version or null; dynamic = [ ];
          depStrings = lib.attrNames (removeAttrs (poetry.dependencies or { }) [ "python" ])
            ++ lib.concatMap (e: poetry.extras.${e} or [ ]) extras;
        }
        else if hasCfg then
          let
            inst = cfgOptions.install_requires or "";
            ver = cfgMeta.version or null;
          in {
            kind = "setup.cfg"; file = toString cfgFile; file' = cfgFile; name = cfgMeta.name or null;
            version = if cfgStatic ver then ver else null;
            dynamic = lib.optional (!(cfgStatic ver)) "version" ++ lib.optional (!(cfgStatic inst)) "dependencies";
            depStrings = (if cfgStatic inst then cfgList inst else [ ])
              ++ lib.concatMap (e: cfgList ((cfg."options.extras_require" or { }).${e} or "")) extras;
          }
        else null;
    in
    if kind' == null then {
      kind = null; file = toString src; file' = null; name = null; version = null; buildRequires = buildRequires;
      dynamic = [ "name" "version" "dependencies" ]; dependencies = [ ];
    }
    else kind' // {
      inherit buildRequires;
      dependencies = lib.filter (n: n != null && !(ownName n)) (lib.unique (map requirementName kind'.depStrings));
    };

  /* checkStatic :: metadata -> args -> metadata — throw when something mach-nix must read is
     dynamic and the arguments do not supply it.
  */
  checkStatic = meta: args:
    let
      missing = lib.optional ((args.pname or null) == null && meta.name == null) "name"
        ++ lib.optional ((args.version or null) == null && meta.version == null) "version"
        ++ lib.optional ((args.requirements or null) == null && lib.elem "dependencies" meta.dynamic) "dependencies";
    in
    if missing == [ ] then meta
    else if meta.kind == null then
      throw "mach-nix: ${meta.file} has no pyproject.toml with [project] or [tool.poetry], and no setup.cfg, so its ${lib.concatStringsSep ", " missing} cannot be read. Give them: buildPythonPackage { pname = \"…\"; version = \"…\"; requirements = \"…\"; src = …; }."
    else throw ("mach-nix: ${toString meta.file} does not give ${lib.concatStringsSep ", " missing} statically (missing, or listed in `dynamic`: computed by the build backend), which mach-nix cannot read without building. Give "
      + lib.concatStringsSep ", " (map (m: if m == "name" then "pname = \"…\"" else if m == "version" then "version = \"…\"" else "requirements = \"…\" (requirements.txt text)") missing)
      + " to buildPythonPackage/buildPythonApplication.");

  inherit toList;
}
