# The flake's one-liners: `nix shell .#gen.python.requests.pandas`, `nix build .#gen.docker.requests`
# (the attribute path after python/shell/docker is the requirement list), like the original mach-nix.
{ lib, names, fns }:
let
  # Looks like the derivation `mk reqs` to `nix build`/`nix shell` without evaluating it before one
  # of these attributes is read, so walking down the path resolves only the final list.
  lazyDrv = drv: {
    type = "derivation";
    name = drv.name;
    drvPath = drv.drvPath;
    outPath = drv.outPath;
    outputName = "out";
    outputs = [ "out" ];
    out = drv;
    system = drv.system;
    meta = drv.meta or { };
    passthru = drv.passthru or { };
  };
  node = mk: reqs:
    lib.genAttrs names (n: node mk (reqs ++ [ n ]))
    // lib.optionalAttrs (reqs != [ ]) (lazyDrv (mk reqs));
  text = reqs: lib.concatMapStrings (r: r + "\n") reqs;
in
{
  /* gen.python.<a>.<b>… → mkPython; gen.shell.<a>… → mkPythonShell; gen.docker.<a>… → mkDockerImage. */
  python = node (reqs: fns.mkPython { requirements = text reqs; }) [ ];
  shell = node (reqs: fns.mkPythonShell { requirements = text reqs; }) [ ];
  docker = node (reqs: fns.mkDockerImage { requirements = text reqs; name = lib.concatStringsSep "-" reqs; }) [ ];
  inherit names;
}
