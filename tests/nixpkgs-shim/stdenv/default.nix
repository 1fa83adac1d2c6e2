# The shim's stdenv: `mkDerivation` over the bootstrap tools imported into the store (../bootstrap:
# bash, coreutils, tar, unzip, patch, patchelf, curl) and, for `stdenv` (not `stdenvNoCC`), the
# wrapped compiler, with nixpkgs' attribute conventions: phases, hooks, propagated inputs, passthru,
# multiple outputs, overrideAttrs. Builds run in Nix's sandbox: nothing of the host is on PATH.
{ lib, system, hostPlatform, tools, cc ? null, config ? { } }:
let
  # Every builder's PATH: the bootstrap tools without unzip (nixpkgs' stdenv has none; a build that
  # unpacks a .zip declares `unzip`).
  hostPath = "${pathTools}/bin";
  pathTools = derivation {
    name = "bootstrap-path";
    inherit system;
    builder = "${tools}/bin/bash";
    args = [ "-c" ''
      ${tools}/bin/mkdir -p $out/bin
      for f in ${tools}/bin/*; do
        case "''${f##*/}" in unzip|unzipsfx|funzip|zipinfo|zipgrep) ;; *) ${tools}/bin/ln -s "$f" $out/bin/ ;; esac
      done
      exit $?
    '' ];
  };
  bash = "${tools}/bin/bash";
  # Attributes that never reach the builder's environment.
  nonEnv = [ "passthru" "meta" "pos" "__finalArgs" ];
  toEnv = v:
    if lib.isList v then lib.concatStringsSep " " (map toEnvElem v)
    else toEnvElem v;
  toEnvElem = v:
    if v == null then ""
    else if lib.isBool v then (if v then "1" else "")
    else if lib.isAttrs v && !(v ? outPath) then throw "stdenv.mkDerivation: cannot pass an attribute set to the builder"
    else v;
  # The stdenv derivation itself: `$stdenv/setup`, as nix-shell expects.
  stdenvDrv = derivation {
    name = if cc == null then "stdenv-shim-linux-nocc" else "stdenv-shim-linux";
    inherit system;
    builder = bash;
    # `; exit $?`: bash would otherwise exec the last `cp`, which closes stderr before it exits, and
    # Nix then kills the builder (signal 9, NixOS/nix#2176; about 1 build in 5 on a fresh store).
    args = [ "-c" "${tools}/bin/mkdir -p $out && ${tools}/bin/cp ${./setup.sh} $out/setup && ${tools}/bin/cp ${./default-builder.sh} $out/default-builder.sh; exit $?" ];
  };
  flat = xs: lib.filter (x: x != null) (lib.flatten xs);

  mkDerivation = argsOrFun:
    let
      args = if lib.isFunction argsOrFun then lib.fix (final: argsOrFun final) else argsOrFun;
      name = args.name or "${args.pname}-${args.version}";
      outputs = args.outputs or [ "out" ];
      # Keys only: forcing the values here (to drop functions, say) would make every attribute
      # strict, where nixpkgs' are lazy until the derivation is instantiated. A function reaches the
      # builder as an empty variable.
      # nixpkgs: `env = { NAME = "value"; }` is exported as it is (strings, not attribute sets).
      structuredEnv = lib.mapAttrs (n: v: if lib.isString v || lib.isBool v || lib.isInt v || v ? outPath then toEnvElem v
        else throw "stdenv.mkDerivation: `env.${n}` must be a string, a number, a bool or a derivation") (args.env or { });
      env = structuredEnv // lib.mapAttrs (_: v: if lib.isFunction v then "" else toEnv v) (removeAttrs args ([ "name" "outputs" "env" ] ++ nonEnv));
      drv = derivation (env // {
        inherit name system outputs;
        builder = bash;
        args = [ "${stdenvDrv}/default-builder.sh" ];
        stdenv = stdenvDrv;
        shimHostPath = hostPath;
        # nixpkgs: the compiler is one of stdenv's default native inputs (its setup hook runs).
        nativeBuildInputs = toEnv (flat ([ cc ] ++ args.nativeBuildInputs or [ ]));
        buildInputs = toEnv (flat (args.buildInputs or [ ]));
        propagatedBuildInputs = toEnv (flat (args.propagatedBuildInputs or [ ]));
        propagatedNativeBuildInputs = toEnv (flat (args.propagatedNativeBuildInputs or [ ]));
      });
      passthru = args.passthru or { };
      meta = args.meta or { };
      # nixpkgs: pkgs/stdenv/generic/check-meta.nix — a broken or unsupported package refuses to
      # be instantiated (its attributes, passthru included, can still be read).
      problem =
        if (meta.broken or false) && !(config.allowBroken or false) then "is marked as broken"
        else if (meta.license.free or true) == false && !(config.allowUnfree or false)
        then "has an unfree license (‘${meta.license.shortName or "unfree"}’)"
        else if !(config.allowUnsupportedSystem or false)
          && ((meta ? platforms && !(lib.elem system meta.platforms)) || lib.elem system (meta.badPlatforms or [ ]))
        then "is not available on the requested hostPlatform:\n  hostPlatform.system = \"${system}\"\n  package.meta.platforms = ${builtins.toJSON (meta.platforms or [ ])}\n  package.meta.badPlatforms = ${builtins.toJSON (meta.badPlatforms or [ ])}\n"
        else null;
      checked = x: if problem == null then x
        else throw "Package ‘${name}’ ${problem}, refusing to evaluate.\n\nnixpkgs-shim: set config.allowBroken / config.allowUnfree / config.allowUnsupportedSystem to evaluate it anyway.";
      checkedDrv = d: d // { outPath = checked d.outPath; drvPath = checked d.drvPath; };
      outs = lib.listToAttrs (map (o: lib.nameValuePair o (checkedDrv drv.${o} // passthru // { inherit meta; })) outputs);
    in
    checkedDrv drv // outs // args.passthru or { } // {
      inherit meta;
      pname = args.pname or name;
      version = args.version or "";
      inherit outputs;
      nativeBuildInputs = flat (args.nativeBuildInputs or [ ]);
      buildInputs = flat (args.buildInputs or [ ]);
      propagatedBuildInputs = flat (args.propagatedBuildInputs or [ ]);
      propagatedNativeBuildInputs = flat (args.propagatedNativeBuildInputs or [ ]);
      __finalArgs = args;
      passthru = passthru;
      # nixpkgs: `overrideAttrs (prev: {...})` or `(final: prev: {...})` over the mkDerivation arguments.
      overrideAttrs = f:
        let r = f args; ov = if lib.isFunction r then f (args // r args) args else r;
        in mkDerivation (args // ov);
    };
in
{
  inherit mkDerivation hostPlatform system;
  buildPlatform = hostPlatform;
  targetPlatform = hostPlatform;
  isLinux = hostPlatform.isLinux;
  isDarwin = hostPlatform.isDarwin;
  inherit cc;
  shell = bash;
}
