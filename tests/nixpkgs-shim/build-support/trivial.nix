# runCommand, writeText, writeShellScript, symlinkJoin, makeSetupHook (pkgs/build-support/trivial-builders).
{ lib, stdenv, stdenvNoCC }:
rec {
  runCommandWith = { stdenv, name, derivationArgs ? { } }: buildCommand:
    stdenv.mkDerivation ({ inherit name buildCommand; passAsFile = [ "buildCommand" ]; } // derivationArgs);
  runCommand = name: env: runCommandWith { stdenv = stdenvNoCC; inherit name; derivationArgs = env; };
  runCommandNoCC = runCommand;
  runCommandLocal = runCommand;
  runCommandCC = name: env: runCommandWith { inherit stdenv name; derivationArgs = env; };
  writeTextFile = { name, text, executable ? false, destination ? "" }:
    runCommand name { inherit text executable destination; passAsFile = [ "text" ]; } ''
      target="$out$destination"; mkdir -p "$(dirname "$target")"
      cp "$textPath" "$target"
      if [ -n "$executable" ]; then chmod +x "$target"; fi
    '';
  writeText = name: text: writeTextFile { inherit name text; };
  writeShellScript = name: text: writeTextFile { inherit name; executable = true; text = "#!${stdenv.shell}\n${text}"; };
  symlinkJoin = { name, paths, postBuild ? "", ... }@args:
    runCommand name (removeAttrs args [ "name" "paths" "postBuild" ] // { inherit paths; }) ''
      mkdir -p $out
      for p in $paths; do cp -rs --no-preserve=mode -f "$p"/. "$out"/ ; done
      ${postBuild}
    '';
  # makeSetupHook: a derivation whose nix-support/setup-hook is `script` with @vars@ substituted.
  makeSetupHook = { name ? "hook", propagatedBuildInputs ? [ ], substitutions ? { }, passthru ? { }, meta ? { } }: script:
    runCommand name (lib.mapAttrs (_: v: if lib.isList v then lib.concatStringsSep " " (map toString v) else v) substitutions // {
      inherit propagatedBuildInputs passthru meta;
      hookScript = script;
    }) ''
      mkdir -p $out/nix-support
      substituteAll "$hookScript" $out/nix-support/setup-hook
      if [ -n "''${propagatedBuildInputs:-}" ]; then printf '%s\n' $propagatedBuildInputs > $out/nix-support/propagated-build-inputs; fi
    '';
}
