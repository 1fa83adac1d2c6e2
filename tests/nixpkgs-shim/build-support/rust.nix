# rustPlatform stand-ins (nixpkgs: pkgs/build-support/rust/): what a Rust-extension recipe's
# `cargoDeps` and `cargoSetupHook` do to an override that changes `src`. fetchCargoVendor is a
# fixed-output derivation computed from the recipe's `src` (here: its PKG-INFO stands for
# Cargo.lock), and cargoSetupHook refuses a source whose Cargo.lock differs from the vendored one,
# as the real hook does ("cargoHash ... is out of date").
{ lib, runCommand, makeSetupHook }:
{
  # nixpkgs: rustPlatform.maturinBuildHook (pkgs/build-support/rust/hooks): builds with maturin from
  # the vendored crates of `cargoDeps`.
  maturinBuildHook = makeSetupHook { name = "maturin-build-hook.sh"; } (builtins.toFile "maturin-build-hook.sh" ''
    maturinBuildPhase() { echo "maturinBuildHook: the stand-in has no Rust toolchain" >&2; exit 1; }
    if [ -z "''${dontUseMaturinBuild-}" ] && [ -z "''${buildPhase-}" ]; then buildPhase=maturinBuildPhase; fi
  '');
  fetchCargoVendor = { src, hash, name ? "${src.name or "source"}-vendor" }:
    runCommand name { inherit src; outputHashMode = "recursive"; outputHash = hash; } ''
      mkdir -p $out unpacked
      tar xf "$src" -C unpacked
      cp unpacked/*/PKG-INFO $out/Cargo.lock
    '';
  cargoSetupHook = makeSetupHook { name = "cargo-setup-hook.sh"; } (builtins.toFile "cargo-setup-hook.sh" ''
    cargoSetupPostPatchHook() {
        if [ -z "''${cargoDeps:-}" ]; then echo "cargoSetupHook: cargoDeps is not set" >&2; exit 1; fi
        if ! cmp -s "$cargoDeps/Cargo.lock" PKG-INFO; then
            echo "ERROR: cargoHash or cargoSha256 is out of date" >&2
            echo "Cargo.lock is not the same in $cargoDeps" >&2
            exit 1
        fi
    }
    postPatchHooks+=(cargoSetupPostPatchHook)
  '');
}
