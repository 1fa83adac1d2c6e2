# uv.lock, poetry.lock and pylock.toml (PEP 751) read into one shape, in pure Nix: the first step
# of lib/foreign-lock.nix. The twins are py/mach_nix/inputs/foreign/uv_lock.py, poetry_lock.py and
# pylock.py; tests/data/golden/foreign-locks.json holds the conversions both must give.
{ lib }:
let
  names = import ./names.nix { inherit lib; };
  norm = names.normalize;

  /* dropDatetimes :: string -> string — TOML text with every datetime value replaced by "":
     pylock's upload-time is not read by every Nix's fromTOML, and it is not needed.
     Example: dropDatetimes "upload-time = 2024-05-01T10:00:00Z" == "upload-time = \"\""
  */
  dropDatetimes = text:
    let
      datetimeValue = "= [0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?";
      between = lib.filter lib.isString (builtins.split datetimeValue text);  # the text around the matches
    in
    builtins.concatStringsSep "= \"\"" between;

  /* fileNameOf :: string -> string — the last segment of a URL or path, its #fragment dropped.
     Example: fileNameOf "https://host/p/six-1.16.0.tar.gz#sha256=8abb" == "six-1.16.0.tar.gz"
  */
  fileNameOf = url:
    let withoutFragment = builtins.head (lib.splitString "#" url); in
    lib.last (lib.splitString "/" withoutFragment);

  /* sha256Of :: (string | null) -> string or null — the digest of a "sha256:<hex>" hash; null for
     another algorithm or no hash.
     Example: sha256Of "sha256:8abb…" == "8abb…";  sha256Of "md5:0f1e" == null
  */
  sha256Of = text: if text != null && lib.hasPrefix "sha256:" text then builtins.substring 7 64 text else null;

  /* isSdist :: string -> bool — whether a file name is an sdist: anything that is not a wheel, as
     `mach-nix lock --from` reads the three formats.
     Example: isSdist "six-1.16.0.tar.gz" == true;  isSdist "six-1.16.0-py2.py3-none-any.whl" == false
  */
  isSdist = filename: !(lib.hasSuffix ".whl" filename);
in
{
  inherit dropDatetimes;

  # parsed :: { flat, requiresPython, packages = [ package ], defaultGroups? }
  # package :: { name, version, source, sourceRef, wheels = [ file ], sdist = file or null,
  #              dependencies = [ edge ] (null: not recorded), … what the format adds }
  # file :: { filename, url, sha256, path }   (url/sha256/path may be null)
  # edge :: { name, marker, extras, version? }  (a dependency as the lock records it)
  # source: "registry", "url", "path", "directory", "git", "editable" or "virtual".

  /* fromUv :: attrs -> parsed — a uv.lock, a graph: edges from each package, and the lock's own
     (editable/virtual) projects as the roots' parents.
     Example: (fromUv (builtins.fromTOML (builtins.readFile ./uv.lock))).flat == false
  */
  fromUv = doc:
    let
      sourceKinds = [ "registry" "url" "path" "directory" "git" "editable" "virtual" ];
      # the first kind the package's `source` table has; no source table: the registry
      sourceKind = p:
        let present = lib.filter (k: (p.source or { }) ? ${k}) sourceKinds; in
        builtins.head (present ++ [ "registry" ]);
      # a wheel or sdist table; a `path` source that is this very file makes it local
      file = p: f:
        let
          name = fileNameOf (f.url or f.path or f.filename);
          sourcePath = (p.source or { }).path or null;
        in {
          filename = name;
          url = f.url or null;
          sha256 = sha256Of (f.hash or null);
          path = if f ? path then f.path
            else if sourcePath != null && fileNameOf sourcePath == name then sourcePath
            else null;
        };
      edges = map (e: {
        name = norm e.name;
        marker = e.marker or null;
        extras = map norm (e.extra or [ ]);
        version = e.version or null;
      });
      # { extra-or-group = [ edge ]; } with normalized keys
      edgesByName = table: lib.listToAttrs (map (k: lib.nameValuePair (norm k) (edges table.${k})) (lib.attrNames table));
      package = p:
        let kind = sourceKind p; in {
          name = norm p.name;
          version = p.version or "0";
          source = kind;
          sourceRef = if kind == "registry" then null else toString p.source.${kind};
          wheels = map (file p) (p.wheels or [ ]);
          sdist = if p ? sdist then file p p.sdist else null;
          dependencies = edges (p.dependencies or [ ]);
          optional = edgesByName (p.optional-dependencies or { });
          groups = edgesByName (p.dev-dependencies or { });
        };
    in
    {
      flat = false;
      requiresPython = doc.requires-python or null;
      packages = map package (doc.package or [ ]);
    };

  /* fromPylock :: attrs -> parsed — a pylock.toml (PEP 751), flat: each package's `marker` says
     whether it is installed; `dependencies` (names only) may be left out.
     Example: (fromPylock (builtins.fromTOML text)).defaultGroups == [ ]
  */
  fromPylock = doc:
    let
      file = f: {
        filename = if f ? url then fileNameOf f.url else f.name or (fileNameOf f.path);
        url = f.url or null;
        sha256 = f.hashes.sha256 or null;
        path = if f ? url then null else f.path or null;
      };
      kindOf = p: if p ? vcs then "git" else if p ? directory then "directory" else if p ? archive then "url" else "registry";
      package = p:
        let
          source = kindOf p;
          sourceRef = if p ? directory then p.directory.path or null else if p ? vcs then p.vcs.url or null else null;
          # an `archive` is a wheel or an sdist, by its name
          archive = if p ? archive then file p.archive else null;
          archiveIsWheel = archive != null && !(isSdist archive.filename);
        in {
          name = norm p.name;
          version = p.version or "0";
          inherit source sourceRef;
          # the lock's own project (`directory = "."`) is not installed from the lock
          own = source == "directory" && lib.elem sourceRef [ "." "./" ];
          wheels = map file (p.wheels or [ ]) ++ lib.optional archiveIsWheel archive;
          sdist = if p ? sdist then file p.sdist else if archive != null && !archiveIsWheel then archive else null;
          marker = p.marker or null;
          dependencies = if p ? dependencies then map (d: { name = norm d.name; marker = null; extras = [ ]; }) p.dependencies else null;
        };
    in
    {
      flat = true;
      requiresPython = doc.requires-python or null;
      defaultGroups = map norm (doc.default-groups or [ ]);
      packages = map package (doc.packages or [ ]);
    };

  /* fromPoetry :: attrs -> parsed — a poetry.lock of Poetry 2, flat: each package names its groups
     and their markers; its files have no URL (the index gives it). A Poetry 1 lock throws.
     Example: (fromPoetry (builtins.fromTOML text)).flat == true
  */
  fromPoetry = doc:
    let
      entries = doc.package or [ ];
      sourceKinds = { git = "git"; url = "url"; file = "path"; directory = "directory"; legacy = "registry"; };
      # a `file` source is the file itself, at its url (a path relative to the lock)
      poetryFile = p: f:
        let isSourceFile = (p.source or { }).type or null == "file" && lib.hasSuffix f.file (p.source.url or ""); in {
          filename = f.file;
          url = null;
          sha256 = sha256Of (f.hash or null);
          path = if isSourceFile then p.source.url else null;
        };
      # `name = spec` or `name = [ spec … ]`; a spec table may carry `markers`
      depEdges = deps: lib.concatMap (n:
        let specs = if lib.isList deps.${n} then deps.${n} else [ deps.${n} ]; in
        map (s: { name = norm n; marker = if lib.isAttrs s then s.markers or null else null; extras = [ ]; }) specs)
        (lib.attrNames deps);
      package = p:
        let
          files = p.files or [ ];
          sdists = lib.filter (f: isSdist f.file) files;
          # `markers` is one string, or a table of group -> marker
          markersField = p.markers or null;
        in {
          name = norm p.name;
          version = p.version;
          source = sourceKinds.${(p.source or { }).type or "legacy"} or "registry";
          sourceRef = (p.source or { }).url or null;
          wheels = map (poetryFile p) (lib.filter (f: !(isSdist f.file)) files);
          sdist = if sdists == [ ] then null else poetryFile p (builtins.head sdists);
          inGroups = map norm (p.groups or [ "main" ]);
          marker = if lib.isString markersField then markersField else null;
          groupMarkers = if lib.isAttrs markersField
            then lib.listToAttrs (map (g: lib.nameValuePair (norm g) markersField.${g}) (lib.attrNames markersField))
            else { };
          dependencies = depEdges (p.dependencies or { });
        };
    in
    if entries != [ ] && !(lib.any (e: e ? groups) entries)
    then throw "mach-nix: this poetry.lock was written by Poetry 1, which does not record the groups of each package; re-lock it with Poetry 2 (`poetry lock`)."
    else {
      flat = true;
      requiresPython = (doc.metadata or { }).python-versions or null;
      packages = map package entries;
    };
}
