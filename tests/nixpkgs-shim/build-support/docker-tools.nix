# dockerTools.buildLayeredImage (nixpkgs: pkgs/build-support/docker/default.nix): a docker-archive
# `.tar.gz` (loadable with `docker load`) of `contents` and their runtime closure, one layer per
# store path up to maxLayers - 1, the rest in one more layer, and a customisation layer that links
# the contents' top-level directories into `/`.
# Simplified: layers in closure order rather than by popularity; `tag = null` gives "latest"
# (nixpkgs: the output hash); no fakeRootCommands/fromImage.
{ lib, runCommand, hostPython, closureInfo ? null }:
{
  buildLayeredImage = { name, tag ? null, contents ? [ ], config ? { }, created ? "1970-01-01T00:00:01Z"
                      , maxLayers ? 100, extraCommands ? "", architecture ? "amd64", passthru ? { }, ... }:
    let imageTag = if tag == null then "latest" else tag; in
    assert lib.assertMsg (maxLayers > 1) "the maximum number of layers must be greater than 1";
    runCommand "${baseNameOf name}.tar.gz" {
      exportReferencesGraph = lib.concatMap (c: [ "closure-${baseNameOf (toString c)}" c ]) contents;
      contentPaths = contents;
      configJson = builtins.toJSON config;
      passAsFile = [ "configJson" ];
      inherit extraCommands created maxLayers architecture;
      imageName = name;
      inherit imageTag;
      # nixpkgs: the image is a runCommand whose passthru holds the image name and tag only; the
      # caller's `passthru` does not reach it.
      passthru = { imageName = name; inherit imageTag; };
    } ''
      ${hostPython} ${./docker-archive.py} "$out"
    '';
}
