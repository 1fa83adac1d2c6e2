# A locked wheel as a Python package: buildPythonPackage with format = "wheel".
{ lib, pkgs }:
let
  needsLib = import ./needs.nix { inherit lib pkgs; };
  hint = import ./build-hint.nix { };
  accelLib = import ./accelerator.nix { inherit lib; };
in
rec {
  /* platformTags :: [string] -> [string] — the platform parts of wheel tags.
     Example: platformTags [ "cp311-cp311-manylinux_2_17_x86_64" ] == [ "manylinux_2_17_x86_64" ]
  */
  platformTags = tags: map (t: lib.last (lib.splitString "-" t)) tags;

  /* isPure :: entry -> bool — a wheel whose every tag has platform `any`. */
  isPure = entry: lib.all (p: p == "any") (platformTags (entry.wheel_tags or [ "py3-none-any" ]));

  /* manylinuxSet :: entry -> string or null
     The attribute of pythonManylinuxPackages for the wheel's *oldest* manylinux tag: auditwheel
     tags a wheel with the oldest policy whose library whitelist it fits, and manylinux1's is the
     widest (libcrypt, ncurses5), so a wheel tagged manylinux1 and manylinux2014 may need those.
     manylinux1 (= manylinux_2_5), manylinux2010 (= _2_12), else manylinux2014 (nixpkgs has no
     newer set; _2_17 and later map there). null for pure and non-Linux wheels.
     A plain linux_<arch> wheel (PyTorch's own index serves them) follows no policy: it links what
     the distribution it was built on had. It gets manylinux2014, the set of today's build hosts
     (manylinux1's extra ncurses5 and libcrypt.so.1 are CentOS 5's), and, like every binary Linux
     wheel, what its `needs` map to: whatever it links outside the set is read from its ELF files
     and either provided, tolerated (plugins) or refused while evaluating with the table line to add.
     Example: manylinuxSet { wheel_tags = [ "cp311-cp311-manylinux_2_17_x86_64" ]; } == "manylinux2014"
  */
  manylinuxSet = entry:
    let
      ps = platformTags (entry.wheel_tags or [ ]);
      has = prefixes: lib.any (p: lib.any (pre: lib.hasPrefix pre p) prefixes) ps;
    in
    if isPure entry || !(has [ "manylinux" "linux_" "musllinux" ]) then null
    else if has [ "manylinux1_" "manylinux_2_5_" ] then "manylinux1"
    else if has [ "manylinux2010_" "manylinux_2_12_" ] then "manylinux2010"
    else "manylinux2014";

  /* build :: { final, name, entry, deps, searchDeps, fixes, tests, python, pkgOf } -> derivation
     `deps`: attribute names of the resolved dependencies; `searchDeps`: those of the non-pure
     wheels in this package's closure (their bundled libraries join autoPatchelf's search path);
     `pkgOf`: the derivation of a locked name (default: the set's attribute); `fixes`: the
     overrides/ rules (overrides.nix); `tests`: doCheck; `python`: the interpreter.
     A lock entry with `needs` (what its ELF files link, docs/lock-format.md) also gets the
     libraries overrides/sonames.json maps them to (needs.nix), the directories of the locked
     wheels that ship some of them, and tolerates exactly its plugin-only needs nothing provides.
     `accelerator`: the lock's (lib/accelerator.nix `ofLock`); "cuda" wires the driver runpath
     for the wheels that load CUDA.
  */
  build = { final, name, entry, deps, searchDeps, fixes, tests, python, pkgOf ? (d: final.${d}), accelerator ? "cpu" }:
    let
      set = manylinuxSet entry;
      native = set != null && pkgs.stdenv.hostPlatform.isLinux;
      fromNeeds = if native && entry ? needs then needsLib.forWheel { inherit name entry python; }
        else { buildInputs = [ ]; searchWheels = [ ]; driver = false; tolerated = [ ]; alternatives = [ ]; otherInterpreters = [ ]; ignoreMissing = [ ]; };
      ignoreMissing = lib.unique (fixes.autoPatchelfIgnoreMissingDeps ++ fromNeeds.ignoreMissing);
      # A wheel that links the CUDA driver finds it at run time through the driver runpath, as
      # nixpkgs' CUDA packages do (its `needs` say so, or an overrides/ rule ignores libcuda.so.1).
      # A lock for CUDA (`accelerator`, lib/accelerator.nix) gives it to every wheel that loads CUDA,
      # whose runtime dlopens libcuda.so.1 through the RUNPATH of the library that asks.
      cuda = native && (fromNeeds.driver || lib.elem "libcuda.so.1" ignoreMissing
        || (accelerator == "cuda" && accelLib.linksCuda name entry));
      search = lib.unique (searchDeps ++ fromNeeds.searchWheels);
      preFixup = lib.concatMapStrings (d: "addAutoPatchelfSearchPath ${pkgOf d}/${python.sitePackages}\n") search
        + lib.optionalString (fromNeeds.tolerated != [ ])
          "echo 'mach-nix: ${name}: only plugins (shared objects no extension module loads) need ${lib.concatStringsSep " " fromNeeds.tolerated}; nothing provides them, so autoPatchelf leaves them unresolved'\n"
        + lib.optionalString (fromNeeds.alternatives != [ ])
          "echo 'mach-nix: ${name}: loads one version of a library family at run time (overrides/sonames.json anyOf) and gets one; the modules for the others stay unresolved: ${lib.concatStringsSep " " fromNeeds.alternatives}'\n"
        + lib.optionalString (fromNeeds.otherInterpreters != [ ])
          "echo 'mach-nix: ${name}: ${lib.concatStringsSep " " fromNeeds.otherInterpreters} belong to modules built for other Pythons, which ${python.pythonVersion} never imports; left unresolved'\n";
    in
    final.buildPythonPackage ({
      pname = name;
      inherit (entry) version;
      format = "wheel";
      src = (import ./artefact.nix { inherit pkgs; }).srcOf entry;
      dependencies = map pkgOf deps;
      nativeBuildInputs = lib.optionals native [ pkgs.autoPatchelfHook ] ++ lib.optionals cuda [ pkgs.autoAddDriverRunpath ]
        ++ fixes.nativeBuildInputs;
      # auditwheel lets wheels link libz.so.1 without bundling it (numpy's and scipy's libgfortran,
      # psycopg2-binary's libcrypto do), but nixpkgs' manylinux sets lack it.
      buildInputs = lib.unique (lib.optionals native (pkgs.pythonManylinuxPackages.${set} ++ [ pkgs.zlib ]) ++ fixes.buildInputs
        ++ fromNeeds.buildInputs);
      doCheck = tests;
      dontStrip = true;
      postFixup = (import ./namespaces.nix { inherit lib; }).dropInits python;
      postInstall = (import ./overrides.nix { inherit lib pkgs; }).substitutionScript python.sitePackages (fixes.substitutions or [ ]);
      failureHook = hint.failureHook name entry.version;
      passthru.machNix = { provider = "wheel"; inherit (entry) filename; manylinux = set; needs = entry ? needs; driverRunpath = cuda;
                           inherit (fromNeeds) tolerated alternatives otherInterpreters searchWheels; };
    } // lib.optionalAttrs (native && preFixup != "") {
      inherit preFixup;
    } // lib.optionalAttrs (ignoreMissing != [ ]) {
      autoPatchelfIgnoreMissingDeps = ignoreMissing;
    });
}
