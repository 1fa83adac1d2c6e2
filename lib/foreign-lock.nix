# Locks of other tools as mach-nix locks, in pure Nix (no import from derivation): uv.lock,
# poetry.lock and pylock.toml (PEP 751). The same rules as `mach-nix lock --from` (see
# py/mach_nix/inputs/foreign/convert.py), so that `mkPython { lockFile = ./uv.lock; }` and a lock
# converted by the CLI give one environment:
#   - uv.lock is a graph: what the edges from the lock's own (editable/virtual) project reach, with
#     markers decided for the target and the selected extras and dependency groups followed;
#   - pylock.toml and poetry.lock are flat: every package says when it is installed;
#   - each package gets its best wheel for the target (lib/wheel-tags.nix), else its sdist;
#   - files without a URL (poetry.lock), dependencies a pylock.toml leaves out, and the build
#     systems of sdists come from the index's JSON shards (`pypiData`); what the index lacks throws,
#     naming the files and the CLI command that fetches it from PyPI.
{ lib }:
let
  markers = import ./markers.nix { inherit lib; };
  targetLib = import ./target.nix { inherit lib; };
  tags = import ./wheel-tags.nix { inherit lib; };
  norm = markers.normalizeName;
  legacyBuildSystem = { requires = [ "setuptools>=40.8.0" "wheel" ]; backend = "setuptools.build_meta:__legacy__"; };

  # TOML datetimes (pylock's upload-time) are not read by every Nix's fromTOML; they are not needed.
  dropDatetimes = text: builtins.concatStringsSep "= \"\"" (lib.filter lib.isString
    (builtins.split "= [0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?" text));

  fileNameOf = url: lib.last (lib.splitString "/" (builtins.head (lib.splitString "#" url)));
  sha256Of = text: if text != null && lib.hasPrefix "sha256:" text then builtins.substring 7 64 text else null;
  requirementName = text: let m = builtins.match "[[:space:]]*([A-Za-z0-9][A-Za-z0-9._-]*).*" text; in
    if m == null then null else norm (builtins.head m);
  # requires-python as a marker over python_full_version, e.g. ">=3.9,<4" -> true for 3.11.13.
  pythonAllowed = env: spec:
    let
      clause = c: let m = builtins.match "[[:space:]]*(===|==|!=|<=|>=|~=|<|>)[[:space:]]*([^[:space:]]+)[[:space:]]*" c; in
        if m == null then null else "python_full_version ${builtins.elemAt m 0} '${builtins.elemAt m 1}'";
      clauses = lib.filter (c: c != null) (map clause (lib.splitString "," spec));
    in
    spec == null || clauses == [ ] || markers.evaluate env (builtins.concatStringsSep " and " clauses);
  requirementMarker = text: let parts = lib.splitString ";" text; in
    if builtins.length parts < 2 then null else builtins.concatStringsSep ";" (builtins.tail parts);

  /* The index's record of a project, read from its JSON shard (null: not in the index). */
  /* shardOf :: string -> string — the index shard of a normalized project name: the first two hex
     digits of its sha256 (the twin of mach_nix.index.schema.shard_of; tests/data/golden/names.json).
     Example: shardOf "requests" == "ec"
  */
  shardOf = name: builtins.substring 0 2 (builtins.hashString "sha256" name);

  indexProject = pypiData: name:
    let
      path = pypiData + "/${shardOf name}.json";
    in
    if pypiData == null || !builtins.pathExists path then null
    else (builtins.fromJSON (builtins.readFile path)).projects.${name} or null;

  /* Where an index file node's file is: its `url`, else its address on PyPI's file host, which
     the node names by the file's blake2b-256 (index schema 2, docs/index-format.md). The twin of
     mach_nix.index.schema.file_url; tests/data/golden/file-urls.json. */
  indexFileUrl = node:
    if node ? url then node.url
    else let d = node.blake2b_256; in
      "https://files.pythonhosted.org/packages/${builtins.substring 0 2 d}/${builtins.substring 2 2 d}/${builtins.substring 4 60 d}/${node.filename}";

  indexFile = project: filename:
    if project == null then null
    else
      let found = lib.filter (n: n.filename == filename) (lib.concatMap (v: project.releases.${v}) (lib.attrNames project.releases)); in
      if found == [ ] then null else builtins.head found;

  # --- the three formats, as { flat; packages = [ { name version wheels sdist deps ... } ]; ... } --------

  fromUv = doc:
    let
      pkgs = doc.package or [ ];
      sourceKind = p: builtins.head ((lib.filter (k: (p.source or { }) ? ${k}) [ "registry" "url" "path" "directory" "git" "editable" "virtual" ]) ++ [ "registry" ]);
      file = p: f: let name = fileNameOf (f.url or f.path or f.filename); src = (p.source or { }).path or null; in {
        filename = name; url = f.url or null; sha256 = sha256Of (f.hash or null);
        path = if f ? path then f.path else if src != null && fileNameOf src == name then src else null; };
      edges = list: map (e: { name = norm e.name; marker = e.marker or null; extras = map norm (e.extra or [ ]); version = e.version or null; }) list;
      mapAttrsOfEdges = attrs: lib.listToAttrs (map (k: lib.nameValuePair (norm k) (edges attrs.${k})) (lib.attrNames attrs));
    in
    {
      flat = false;
      requiresPython = doc.requires-python or null;
      packages = map (p: {
        name = norm p.name; version = p.version or "0"; source = sourceKind p;
        sourceRef = let k = sourceKind p; in if k == "registry" then null else toString p.source.${k};
        wheels = map (file p) (p.wheels or [ ]);
        sdist = if p ? sdist then file p p.sdist else null;
        dependencies = edges (p.dependencies or [ ]);
        optional = mapAttrsOfEdges (p.optional-dependencies or { });
        groups = mapAttrsOfEdges (p.dev-dependencies or { });
      }) pkgs;
    };

  fromPylock = doc:
    let
      file = f: { filename = if f ? url then fileNameOf f.url else f.name or (fileNameOf f.path); url = f.url or null;
        sha256 = f.hashes.sha256 or null; path = if f ? url then null else f.path or null; };
      kindOf = p: if p ? vcs then "git" else if p ? directory then "directory" else if p ? archive then "url" else "registry";
    in
    {
      flat = true;
      requiresPython = doc.requires-python or null;
      defaultGroups = map norm (doc.default-groups or [ ]);
      packages = map (p: rec {
        name = norm p.name; version = p.version or "0"; source = kindOf p;
        sourceRef = if p ? directory then p.directory.path or null else if p ? vcs then p.vcs.url or null else null;
        own = source == "directory" && lib.elem sourceRef [ "." "./" ];
        wheels = map file (p.wheels or [ ]) ++ lib.optional (p ? archive && lib.hasSuffix ".whl" (file p.archive).filename) (file p.archive);
        sdist = if p ? sdist then file p.sdist else if p ? archive && !(lib.hasSuffix ".whl" (file p.archive).filename) then file p.archive else null;
        marker = p.marker or null;
        dependencies = if p ? dependencies then map (d: { name = norm d.name; marker = null; extras = [ ]; }) p.dependencies else null;
      }) (doc.packages or [ ]);
    };

  fromPoetry = doc:
    let
      # a `file` source is the file itself, at its url (a path relative to the lock)
      poetryFile = p: f: { filename = f.file; url = null; sha256 = sha256Of (f.hash or null);
        path = if (p.source or { }).type or null == "file" && lib.hasSuffix f.file (p.source.url or "") then p.source.url else null; };
      entries = doc.package or [ ];
      depEdges = deps: lib.concatMap (n:
        let specs = if lib.isList deps.${n} then deps.${n} else [ deps.${n} ]; in
        map (s: { name = norm n; marker = if lib.isAttrs s then s.markers or null else null; extras = [ ]; }) specs)
        (lib.attrNames deps);
    in
    if entries != [ ] && !(lib.any (e: e ? groups) entries)
    then throw "mach-nix: this poetry.lock was written by Poetry 1, which does not record the groups of each package; re-lock it with Poetry 2 (`poetry lock`)."
    else {
      flat = true;
      requiresPython = (doc.metadata or { }).python-versions or null;
      packages = map (p: {
        name = norm p.name; version = p.version;
        source = { git = "git"; url = "url"; file = "path"; directory = "directory"; legacy = "registry"; }.${(p.source or { }).type or "legacy"} or "registry";
        sourceRef = (p.source or { }).url or null;
        wheels = map (f: poetryFile p f) (lib.filter (f: lib.hasSuffix ".whl" f.file) (p.files or [ ]));
        sdist = let s = lib.filter (f: !(lib.hasSuffix ".whl" f.file)) (p.files or [ ]); in
          if s == [ ] then null else poetryFile p (builtins.head s);
        inGroups = map norm (p.groups or [ "main" ]);
        marker = if lib.isString (p.markers or null) then p.markers else null;
        groupMarkers = if lib.isAttrs (p.markers or null) then lib.listToAttrs (map (g: lib.nameValuePair (norm g) p.markers.${g}) (lib.attrNames p.markers)) else { };
        dependencies = depEdges (p.dependencies or { });
      }) entries;
    };

  # --- selection ---------------------------------------------------------------------------------

  selectGraph = { parsed, env, extras, groups, what }:
    let
      byName = lib.foldl' (acc: p: acc // { ${p.name} = (acc.${p.name} or [ ]) ++ [ p ]; }) { } parsed.packages;
      ownPkgs = lib.filter (p: lib.elem p.source [ "editable" "virtual" ]) parsed.packages;
      own = map (p: p.name) ownPkgs;
      check = p: kind: asked: known:
        let absent = lib.filter (x: !(known ? ${x})) asked; in
        if absent == [ ] then true
        else throw "mach-nix: ${what}: ${p.name} has no ${kind} ${lib.concatStringsSep ", " absent} (it has: ${lib.concatStringsSep ", " (lib.attrNames known)}).";
      start = lib.concatMap (p:
        assert check p "extra" extras p.optional; assert check p "group" groups p.groups;
        p.dependencies ++ lib.concatMap (x: p.optional.${x}) extras ++ lib.concatMap (g: p.groups.${g}) groups) ownPkgs;
      holds = e: markers.evaluate env e.marker;
      pick = e:
        let options = byName.${e.name} or (throw "mach-nix: ${what}: a dependency names ${e.name}, which the lock does not contain; re-create the lock.");
            exact = lib.filter (p: p.version == e.version) options; in
        if e.version != null && exact != [ ] then builtins.head exact else builtins.head options;
      itemsOf = e: if holds e && !(lib.elem e.name own)
        then [ { key = e.name; package = pick e; extra = null; } ] ++ map (x: { key = "${e.name}[${x}]"; package = pick e; extra = x; }) e.extras
        else [ ];
      closure = builtins.genericClosure {
        startSet = lib.concatMap itemsOf start;
        operator = item: lib.concatMap itemsOf (if item.extra == null then item.package.dependencies else item.package.optional.${item.extra} or [ ]);
      };
      chosen = lib.listToAttrs (map (i: lib.nameValuePair i.key i.package) (lib.filter (i: i.extra == null) closure));
      extrasOf = name: map (i: i.extra) (lib.filter (i: i.extra != null && i.package.name == name) closure);
      depsOf = name:
        let p = chosen.${name}; in
        lib.unique (map (e: e.name) (lib.filter holds (p.dependencies ++ lib.concatMap (x: p.optional.${x} or [ ]) (extrasOf name))));
    in
    { inherit chosen extrasOf; deps = name: depsOf name; roots = lib.unique (map (e: e.name) (lib.filter (e: holds e && !(lib.elem e.name own)) start)); };

  selectFlat = { parsed, format, env, extras, groups, what }:
    let
      installed = p:
        if format == "pylock" then
          !(p.own or false) && markers.evaluate (env // { inherit extras; dependency_groups = if groups != [ ] then groups else parsed.defaultGroups; }) p.marker
        else
          let
            wanted = [ "main" ] ++ groups;
            inWanted = lib.filter (g: lib.elem g wanted) p.inGroups;
            markersOf = map (g: p.groupMarkers.${g} or p.marker) inWanted;
          in
          inWanted != [ ] && lib.any (m: lib.any (x: markers.evaluate (env // { extra = x; }) m) ([ "" ] ++ extras)) markersOf;
      list = lib.filter installed parsed.packages;
      chosen = lib.listToAttrs (map (p: lib.nameValuePair p.name p) list);
      duplicate = lib.filter (n: lib.length (lib.filter (p: p.name == n) list) > 1) (lib.attrNames chosen);
    in
    if duplicate != [ ] then throw "mach-nix: ${what}: several versions of ${lib.concatStringsSep ", " duplicate} apply to the target; the lock is ambiguous for it."
    else { inherit chosen; extrasOf = _: [ ]; deps = name: let d = chosen.${name}.dependencies; in
      if d == null then null else map (e: e.name) (lib.filter (e: markers.evaluate env e.marker) d); roots = null; };

  # --- entries ----------------------------------------------------------------------------------

  entryOf = { package, target, pypiData, what, lockDir }:
    let
      wheel = tags.best target package.wheels;
      file = if wheel != null then wheel else package.sdist;
      project = indexProject pypiData package.name;
      known = if file == null then null else indexFile project file.filename;
      local = if file.path or null != null then lockDir + "/${file.path}" else null;
      url = if file.url or null != null then file.url else if known != null then indexFileUrl known else null;
      sha256 = if file.sha256 or null != null then file.sha256 else known.sha256 or null;
      bs = if known != null && known ? build_system then known.build_system else null;
      buildSystem = if bs != null
        then { inherit (bs) requires; backend = bs.backend or null; source = bs.source or "pyproject"; }
        else legacyBuildSystem // { source = "assumed"; };
    in
    if file == null then { error = "${package.name} ${package.version} has no wheel for ${target.system} CPython ${target.python} and no sdist"; }
    else if local == null && (url == null || sha256 == null) then { error = "${file.filename} (${package.name}) has no ${if url == null then "URL" else "sha256"} in the lock nor in the index"; }
    else {
      name = package.name; inherit (package) version; inherit sha256; inherit (file) filename;
      ${if local != null then "path" else "url"} = if local != null then local else url;
      provider = if wheel != null then "wheel" else "sdist";
      requires_python = null;
      indexDeps = if known == null || !(known ? requires_dist) then [ ] else project.deps.${known.requires_dist} or [ ];
    } // (if wheel != null then { wheel_tags = tags.expand file.filename; }
      else { build_system = buildSystem // { resolved = false; dependencies = lib.unique (lib.filter (n: n != null) (map requirementName buildSystem.requires)); }; }
        # the sdist's PEP 725 [external] table, as the index read it (mach-nix lock --from does the same)
        // lib.optionalAttrs (wheel == null && known != null && known ? external) { inherit (known) external; });
in
rec {
  # The index's addressing rules, twins of mach_nix.index.schema's (tests/data/golden/).
  inherit shardOf indexFileUrl;

  /* formatOf :: path -> string — "uv", "poetry" or "pylock", by file name (then null). */
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
      parsed = if fmt == "uv" then fromUv doc else if fmt == "poetry" then fromPoetry doc else if fmt == "pylock" then fromPylock doc
        else throw "mach-nix: ${what} is no lock mach-nix reads; name it uv.lock, poetry.lock or pylock.toml, or give lockFormat.";
      env = markers.environment target;
      selArgs = { inherit parsed env what; extras = map norm extras; groups = map norm groups; };
      sel = if parsed.flat then selectFlat (selArgs // { format = fmt; }) else selectGraph selArgs;
      localFile = p: p.source == "path" && lib.all (f: f.path or null != null && f.sha256 != null) (p.wheels ++ lib.optional (p.sdist != null) p.sdist);
      unreadable = lib.filter (p: lib.elem p.source [ "git" "directory" "path" ] && !(localFile p)) (lib.attrValues sel.chosen);
      raw = lib.mapAttrs (_: p: entryOf { package = p; inherit target pypiData what; lockDir = dirOf path; }) sel.chosen;
      errors = lib.concatMap (e: lib.optional (e ? error) e.error) (lib.attrValues raw);
      names = lib.attrNames raw;
      depsOf = name:
        let d = sel.deps name; in
        if d != null then d
        else lib.filter (n: n != null) (map (t: if markers.evaluate env (requirementMarker t) then requirementName t else null) raw.${name}.indexDeps);
      packages = lib.mapAttrs (name: e: removeAttrs e [ "indexDeps" ] // {
        dependencies = lib.sort (a: b: a < b) (lib.unique (lib.filter (d: d != name && raw ? ${d}) (depsOf name)));
        extras = lib.sort (a: b: a < b) (lib.unique (sel.extrasOf name));
      }) raw;
      depended = lib.unique (lib.concatMap (n: packages.${n}.dependencies) names);
      roots = if sel.roots != null then lib.filter (r: raw ? ${r}) sel.roots else lib.filter (n: !(lib.elem n depended)) names;
    in
    if !(pythonAllowed env parsed.requiresPython) then throw "mach-nix: ${what} requires Python '${parsed.requiresPython}', which excludes the interpreter's CPython ${target.python_full or target.python}; use a matching python."
    else if unreadable != [ ] then throw "mach-nix: ${what}: mach-nix builds only hashed files that Nix can fetch, and these packages are local or VCS sources: ${lib.concatMapStringsSep ", " (p: "${p.name} (${p.source} ${toString p.sourceRef})") unreadable}. Package them with buildPythonPackage and pass them in packagesExtra."
    else if errors != [ ] then throw "mach-nix: ${what}: ${lib.concatStringsSep "; " errors}. Convert the lock with the CLI, which looks these up on PyPI: `mach-nix lock --from ${baseNameOf what} ${targetLib.lockArgs target} -o mach-nix.lock.json`, then give lockFile = ./mach-nix.lock.json."
    else {
      lock_version = 1;
      generated_by = "mach-nix (Nix, from ${fmt} lock)";
      inherit target;
      inputs = { files = [ { path = baseNameOf what; kind = fmt; } ]; requirements = [ ]; constraints = [ ];
                 extras = lib.sort (a: b: a < b) extras; groups = lib.sort (a: b: a < b) groups; providers = { };
                 prereleases = false; arguments = [ "--from" (baseNameOf what) ] ++ lib.concatMap (x: [ "--extra" x ]) extras ++ lib.concatMap (g: [ "--group" g ]) groups; };
      index = { };
      roots = lib.sort (a: b: a < b) (if roots == [ ] then names else roots);
      inherit packages;
    };

}
