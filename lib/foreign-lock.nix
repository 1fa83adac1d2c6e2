# Locks of other tools as mach-nix locks, in pure Nix (no import from derivation): uv.lock,
# poetry.lock and pylock.toml (PEP 751). The same rules as `mach-nix lock --from` (see
# py/mach_nix/inputs/foreign/convert.py), so that `mkPython { lockFile = ./uv.lock; }` and a lock
# converted by the CLI give one environment. Three steps: the formats read into one shape
# (lib/foreign-formats.nix); the packages the target installs selected (selectGraph, selectFlat);
# one lock entry each (entryOf). The rules:
#   - uv.lock is a graph: what the edges from the lock's own (editable/virtual) project reach, with
#     markers decided for the target and the selected extras and dependency groups followed;
#   - pylock.toml and poetry.lock are flat: every package says when it is installed;
#   - each package gets its best wheel for the target (lib/wheel-tags.nix), else its sdist;
#   - files without a URL (poetry.lock), dependencies a pylock.toml leaves out, and the build
#     systems of sdists come from the index's JSON shards (`pypiData`); what the index lacks throws,
#     naming the files and the CLI command that fetches it from PyPI.
# tests/data/golden/foreign-locks.json holds conversions this and the CLI must both give.
{ lib }:
let
  names = import ./names.nix { inherit lib; };
  markers = import ./markers.nix { inherit lib; };
  targetLib = import ./target.nix { inherit lib; };
  tags = import ./wheel-tags.nix { inherit lib; };
  indexSchema = import ./index-schema.nix { inherit lib; };
  inherit (import ./foreign-formats.nix { inherit lib; }) dropDatetimes fromUv fromPylock fromPoetry;
  constants = import ./constants.nix { };
  inherit (import ./project.nix { inherit lib; }) requirementName;
  norm = names.normalize;
  formats = [ "uv" "poetry" "pylock" ];

  /* requirementMarker :: string -> string or null — the marker of a PEP 508 requirement (after `;`).
     Example: requirementMarker "pywin32; sys_platform == 'win32'" == " sys_platform == 'win32'"
  */
  requirementMarker = text:
    let parts = lib.splitString ";" text; in
    if builtins.length parts < 2 then null else builtins.concatStringsSep ";" (builtins.tail parts);

  /* pythonAllowed :: env -> (string | null) -> bool — whether the interpreter of `env` (lib/markers.nix
     environment) satisfies a requires-python `spec`, read as a marker over python_full_version;
     a clause that is no `OP VERSION` is skipped, and no spec allows any.
     Example: pythonAllowed (markers.environment { python = "3.11"; python_full = "3.11.13"; … }) ">=3.9,<4" == true
  */
  pythonAllowed = env: spec:
    let
      clauseRegex = "[[:space:]]*(===|==|!=|<=|>=|~=|<|>)[[:space:]]*([^[:space:]]+)[[:space:]]*";
      asMarker = clause:
        let m = builtins.match clauseRegex clause; in
        if m == null then null else "python_full_version ${builtins.elemAt m 0} '${builtins.elemAt m 1}'";
      clauses = lib.filter (c: c != null) (map asMarker (lib.splitString "," spec));
    in
    spec == null || clauses == [ ] || markers.evaluate env (builtins.concatStringsSep " and " clauses);

  # --- selection: which packages the target installs -----------------------------------------------
  # selection :: { chosen = { name = package; }, extrasOf :: name -> [extra],
  #                deps :: name -> [name] or null (null: the lock does not say; the index does),
  #                roots = [name] or null (null: the packages nothing else depends on) }

  /* selectGraph :: { parsed, env, extras, groups, what } -> selection — a uv.lock: the closure of
     the edges from the lock's own projects (their dependencies, the chosen extras and groups)
     whose markers hold for `env`; an extra of a dependency brings its optional edges.
     Example: (selectGraph { parsed = fromUv doc; env = markers.environment t; extras = [ "socks" ];
                             groups = [ ]; what = "uv.lock"; }).roots == [ "click" "docopt" "pysocks" "requests" ]
  */
  selectGraph = { parsed, env, extras, groups, what }:
    let
      # several versions of one name (uv's forks by marker): an edge names its version
      byName = lib.foldl' (acc: p: acc // { ${p.name} = (acc.${p.name} or [ ]) ++ [ p ]; }) { } parsed.packages;
      ownPkgs = lib.filter (p: lib.elem p.source [ "editable" "virtual" ]) parsed.packages;
      own = map (p: p.name) ownPkgs;
      # every asked extra (group) is one the project has
      check = p: kind: asked: known:
        let absent = lib.filter (x: !(known ? ${x})) asked; in
        if absent == [ ] then true
        else throw "mach-nix: ${what}: ${p.name} has no ${kind} ${lib.concatStringsSep ", " absent} (it has: ${lib.concatStringsSep ", " (lib.attrNames known)}).";
      # the own projects' edges: dependencies, chosen extras, chosen groups
      start = lib.concatMap (p:
        assert check p "extra" extras p.optional; assert check p "group" groups p.groups;
        p.dependencies ++ lib.concatMap (x: p.optional.${x}) extras ++ lib.concatMap (g: p.groups.${g}) groups) ownPkgs;
      holds = e: markers.evaluate env e.marker;
      # the package an edge points at: its version when the lock has it, else the name's first
      pick = e:
        let
          options = byName.${e.name} or (throw "mach-nix: ${what}: a dependency names ${e.name}, which the lock does not contain; re-create the lock.");
          exact = lib.filter (p: p.version == e.version) options;
        in
        if e.version != null && exact != [ ] then builtins.head exact else builtins.head options;
      # closure items: a package (extra = null), or one of its extras ("name[extra]")
      itemsOf = e:
        let
          package = pick e;
          withExtra = x: { key = "${e.name}[${x}]"; inherit package; extra = x; };
        in
        if holds e && !(lib.elem e.name own)
        then [ { key = e.name; inherit package; extra = null; } ] ++ map withExtra e.extras
        else [ ];
      edgesOfItem = item: if item.extra == null then item.package.dependencies else item.package.optional.${item.extra} or [ ];
      closure = builtins.genericClosure {
        startSet = lib.concatMap itemsOf start;
        operator = item: lib.concatMap itemsOf (edgesOfItem item);
      };
      packageItems = lib.filter (i: i.extra == null) closure;
      chosen = lib.listToAttrs (map (i: lib.nameValuePair i.key i.package) packageItems);
      extrasOf = name: map (i: i.extra) (lib.filter (i: i.extra != null && i.package.name == name) closure);
      depsOf = name:
        let
          p = chosen.${name};
          edges = p.dependencies ++ lib.concatMap (x: p.optional.${x} or [ ]) (extrasOf name);
        in
        lib.unique (map (e: e.name) (lib.filter holds edges));
      rootEdges = lib.filter (e: holds e && !(lib.elem e.name own)) start;
    in
    { inherit chosen extrasOf; deps = depsOf; roots = lib.unique (map (e: e.name) rootEdges); };

  /* selectFlat :: { parsed, format, env, extras, groups, what } -> selection — a pylock.toml or
     poetry.lock: every package whose own marker (pylock, with `extras` and `dependency_groups`)
     or whose groups' markers (poetry, main plus `groups`, each tried with no extra and each
     extra) hold; two versions of one name that both hold make the lock ambiguous (a throw).
     Example: (selectFlat { parsed = fromPylock doc; format = "pylock"; env = e; extras = [ ];
                            groups = [ ]; what = "pylock.toml"; }).roots == null
  */
  selectFlat = { parsed, format, env, extras, groups, what }:
    let
      pylockEnv = env // { inherit extras; dependency_groups = if groups != [ ] then groups else parsed.defaultGroups; };
      installedPylock = p: !(p.own or false) && markers.evaluate pylockEnv p.marker;
      installedPoetry = p:
        let
          wanted = [ "main" ] ++ groups;
          inWanted = lib.filter (g: lib.elem g wanted) p.inGroups;
          markersOf = map (g: p.groupMarkers.${g} or p.marker) inWanted;
          holdsWithSomeExtra = m: lib.any (x: markers.evaluate (env // { extra = x; }) m) ([ "" ] ++ extras);
        in
        inWanted != [ ] && lib.any holdsWithSomeExtra markersOf;
      installed = if format == "pylock" then installedPylock else installedPoetry;
      list = lib.filter installed parsed.packages;
      chosen = lib.listToAttrs (map (p: lib.nameValuePair p.name p) list);
      duplicate = lib.filter (n: lib.length (lib.filter (p: p.name == n) list) > 1) (lib.attrNames chosen);
      deps = name:
        let recorded = chosen.${name}.dependencies; in
        if recorded == null then null else map (e: e.name) (lib.filter (e: markers.evaluate env e.marker) recorded);
    in
    if duplicate != [ ] then throw "mach-nix: ${what}: several versions of ${lib.concatStringsSep ", " duplicate} apply to the target; the lock is ambiguous for it."
    else { inherit chosen deps; extrasOf = _: [ ]; roots = null; };

  # --- entries: one lock entry per chosen package ---------------------------------------------------

  /* buildSystemOf :: (fileNode | null) -> { requires, backend, source } — an sdist's build system as
     the index read it, else setuptools' legacy default, marked "assumed".
     Example: (buildSystemOf null).source == "assumed"
  */
  buildSystemOf = known:
    let recorded = if known != null && known ? build_system then known.build_system else null; in
    if recorded != null
    then { inherit (recorded) requires; backend = recorded.backend or null; source = recorded.source or "pyproject"; }
    else constants.legacyBuildSystem // { source = "assumed"; };

  /* entryOf :: { package, target, pypiData, what, lockDir } -> entry or { error }
     The lock entry (docs/lock-format.md) of a chosen package: its best wheel for `target`, else its
     sdist; URL and sha256 from the lock, else from the index; `indexDeps`, the index's
     Requires-Dist of the file (for the formats that do not record dependencies), is dropped by toLock.
     Example: (entryOf { package = p; target = t; pypiData = ../data; what = "uv.lock"; lockDir = ./.; }).provider == "wheel"
  */
  entryOf = { package, target, pypiData, what, lockDir }:
    let
      wheel = tags.best target package.wheels;
      file = if wheel != null then wheel else package.sdist;
      project = indexSchema.project pypiData package.name;
      known = if file == null then null else indexSchema.file project file.filename;  # the index's node
      local = if file.path or null != null then lockDir + "/${file.path}" else null;
      url = if file.url or null != null then file.url else if known != null then indexSchema.fileUrl known else null;
      sha256 = if file.sha256 or null != null then file.sha256 else known.sha256 or null;
      buildSystem = buildSystemOf known;
      common = {
        name = package.name; inherit (package) version; inherit sha256; inherit (file) filename;
        ${if local != null then "path" else "url"} = if local != null then local else url;
        provider = if wheel != null then "wheel" else "sdist";
        requires_python = null;
        indexDeps = if known == null || !(known ? requires_dist) then [ ] else project.deps.${known.requires_dist} or [ ];
      };
      ofWheel = { wheel_tags = tags.expand file.filename; };
      ofSdist = {
        build_system = buildSystem // { resolved = false; dependencies = lib.unique (lib.filter (n: n != null) (map requirementName buildSystem.requires)); };
      }
        # the sdist's PEP 725 [external] table, as the index read it (mach-nix lock --from does the same)
        // lib.optionalAttrs (known != null && known ? external) { inherit (known) external; };
    in
    if file == null then { error = "${package.name} ${package.version} has no wheel for ${target.system} CPython ${target.python} and no sdist"; }
    else if local == null && (url == null || sha256 == null) then { error = "${file.filename} (${package.name}) has no ${if url == null then "URL" else "sha256"} in the lock nor in the index"; }
    else common // (if wheel != null then ofWheel else ofSdist);
in
rec {
  /* formatOf :: path -> string or null — "uv", "poetry" or "pylock", by file name (else null).
     Example: formatOf ./pylock.dev.toml == "pylock";  formatOf ./mach-nix.lock.json == null
  */
  formatOf = path:
    let name = baseNameOf (toString path); in
    if name == "uv.lock" then "uv"
    else if name == "poetry.lock" then "poetry"
    else if name == "pylock.toml" || (lib.hasPrefix "pylock." name && lib.hasSuffix ".toml" name) then "pylock"
    else null;

  /* toLock :: { path, format ? null, target, extras ? [ ], groups ? [ ], pypiData ? null } -> lock
     A mach-nix lock (schema 1) of a foreign lock, for `target`, computed while Nix evaluates.
       path:     the uv.lock, poetry.lock or pylock.toml
       format:   "uv", "poetry" or "pylock" (default: from the file name)
       target:   lib/target.nix's target of the interpreter and platform
       extras, groups: the project's extras and dependency groups to install
       pypiData: mach-nix's JSON index (data/), for URLs, dependencies and build systems the lock lacks
     Example: toLock { path = ./uv.lock; target = targetLib.fromPython { … }; pypiData = ../data; }
  */
  toLock = { path, format ? null, target, extras ? [ ], groups ? [ ], pypiData ? null }:
    let
      what = toString path;
      fmt = if format != null then format else formatOf path;
      text = builtins.readFile path;
      doc = builtins.fromTOML (if fmt == "pylock" then dropDatetimes text else text);
      parsed = { uv = fromUv; poetry = fromPoetry; pylock = fromPylock; }.${fmt} doc;
      env = markers.environment target;
      selArgs = { inherit parsed env what; extras = map norm extras; groups = map norm groups; };
      sel = if parsed.flat then selectFlat (selArgs // { format = fmt; }) else selectGraph selArgs;
      # a `path` source is readable when each of its files is beside the lock and hashed
      localFile = p: p.source == "path"
        && lib.all (f: f.path or null != null && f.sha256 != null) (p.wheels ++ lib.optional (p.sdist != null) p.sdist);
      unreadable = lib.filter (p: lib.elem p.source [ "git" "directory" "path" ] && !(localFile p)) (lib.attrValues sel.chosen);
      raw = lib.mapAttrs (_: p: entryOf { package = p; inherit target pypiData what; lockDir = dirOf path; }) sel.chosen;
      errors = lib.concatMap (e: lib.optional (e ? error) e.error) (lib.attrValues raw);
      chosenNames = lib.attrNames raw;
      # the lock's dependencies, else (a pylock.toml without them) the index's Requires-Dist whose markers hold
      fromIndex = name: lib.filter (n: n != null)
        (map (t: if markers.evaluate env (requirementMarker t) then requirementName t else null) raw.${name}.indexDeps);
      depsOf = name: let recorded = sel.deps name; in if recorded != null then recorded else fromIndex name;
      sorted = list: lib.sort (a: b: a < b) list;
      packages = lib.mapAttrs (name: e: removeAttrs e [ "indexDeps" ] // {
        dependencies = sorted (lib.unique (lib.filter (d: d != name && raw ? ${d}) (depsOf name)));
        extras = sorted (lib.unique (sel.extrasOf name));
      }) raw;
      depended = lib.unique (lib.concatMap (n: packages.${n}.dependencies) chosenNames);
      roots = if sel.roots != null then lib.filter (r: raw ? ${r}) sel.roots else lib.filter (n: !(lib.elem n depended)) chosenNames;
      inputs = {
        files = [ { path = baseNameOf what; kind = fmt; } ]; requirements = [ ]; constraints = [ ];
        extras = sorted extras; groups = sorted groups; providers = { }; prereleases = false;
        arguments = [ "--from" (baseNameOf what) ] ++ lib.concatMap (x: [ "--extra" x ]) extras ++ lib.concatMap (g: [ "--group" g ]) groups;
      };
    in
    if !(lib.elem fmt formats) then throw "mach-nix: ${what} is no lock mach-nix reads; name it uv.lock, poetry.lock or pylock.toml, or give lockFormat."
    else if !(pythonAllowed env parsed.requiresPython) then throw "mach-nix: ${what} requires Python '${parsed.requiresPython}', which excludes the interpreter's CPython ${target.python_full or target.python}; use a matching python."
    else if unreadable != [ ] then throw "mach-nix: ${what}: mach-nix builds only hashed files that Nix can fetch, and these packages are local or VCS sources: ${lib.concatMapStringsSep ", " (p: "${p.name} (${p.source} ${toString p.sourceRef})") unreadable}. Package them with buildPythonPackage and pass them in packagesExtra."
    else if errors != [ ] then throw "mach-nix: ${what}: ${lib.concatStringsSep "; " errors}. Convert the lock with the CLI, which looks these up on PyPI: `mach-nix lock --from ${baseNameOf what} ${targetLib.lockArgs target} -o mach-nix.lock.json`, then give lockFile = ./mach-nix.lock.json."
    else {
      lock_version = 1;
      generated_by = "mach-nix (Nix, from ${fmt} lock)";
      inherit target inputs packages;
      index = { };
      roots = sorted (if roots == [ ] then chosenNames else roots);
    };
}
