# mkDockerImage: a layered container image of mkPython's environment.
{ lib, pkgs
  # lib/mkPython.nix mkPython
, mkPython
}:
let
  # The arguments that go to the image; everything else goes to mkPython.
  imageArgs = [ "name" "tag" "config" "maxLayers" "contents" "created" "extraCommands" ];
  # Those buildLayeredImage takes as they are.
  passedToImage = [ "tag" "maxLayers" "created" "extraCommands" ];
in
{
  /* mkDockerImage :: args -> derivation — a layered image (dockerTools.buildLayeredImage) of
     mkPython's environment; `name`, `tag`, `config`, `maxLayers`, `contents` go to the image,
     everything else to mkPython. Cmd defaults to the environment's python.
     Example: mkDockerImage { requirements = "flask\n"; name = "web"; tag = "latest"; }
  */
  mkDockerImage = args:
    let
      env = mkPython (removeAttrs args imageArgs);
      image = pkgs.dockerTools.buildLayeredImage ({
        name = args.name or "python-env";
        contents = [ env ] ++ (args.contents or [ ]);
        config = { Cmd = [ "${env}/bin/python" ]; Env = [ "PATH=${env}/bin" ]; } // (args.config or { });
      } // builtins.intersectAttrs (lib.genAttrs passedToImage (_: null)) args);
    in
    # buildLayeredImage drops a caller's `passthru` (its result is a runCommand with the image tag
    # only), so `env` is added to the result.
    image // { inherit env; passthru = (image.passthru or { }) // { inherit env; }; };
}
