# mkPythonShell: a development shell with mkPython's environment, and the editable mode that puts
# the project's own source first on PYTHONPATH.
{ lib, pkgs
  # lib/mkPython.nix mkPython
, mkPython
}:
rec {
  /* mkPythonShell :: args -> derivation — a mkShell with mkPython's environment. With
     `editable = true` (and `pyproject`), the project's source directory (its `src/` when it has
     one) is put first on PYTHONPATH by the shellHook, so edits take effect without a rebuild;
     `editable = "/abs/path"` names the directory instead.
     Example: mkPythonShell { pyproject = ./pyproject.toml; editable = toString ./.; }
  */
  mkPythonShell = args:
    let
      editable = args.editable or false;
      env = mkPython (removeAttrs args [ "editable" ]);
      root = editableRoot args;
      dir = if builtins.pathExists (root + "/src") then root + "/src" else root;
    in
    pkgs.mkShell ({ packages = [ env ]; passthru = { inherit env; }; }
      // lib.optionalAttrs (editable != false) {
        shellHook = ''
          export PYTHONPATH=${lib.escapeShellArg dir}''${PYTHONPATH:+:$PYTHONPATH}
        '';
        passthru = { inherit env; editableDir = dir; };
      });

  /* editableRoot :: args -> string — the directory an editable shell puts on the path: `editable`
     when it is a string, else the directory of `pyproject`. It must be absolute and outside the
     store (a copy there would not see the edits).
     Example: editableRoot { editable = true; pyproject = /home/me/app/pyproject.toml; } == "/home/me/app"
  */
  editableRoot = args:
    let
      e = args.editable or false;
      fromPyproject = if (args.pyproject or null) == null
        then throw "mach-nix: editable = true needs `pyproject` (the project's pyproject.toml) to find the source directory; or give editable = \"/absolute/path/to/project\"."
        else toString (dirOf args.pyproject);
      root = if lib.isString e then e else fromPyproject;
    in
    if root == "" then
      throw "mach-nix: editable is an empty string: builtins.getEnv \"PWD\" is empty in pure evaluation (flakes). Run `nix develop --impure`, or give the directory as editable = \"/absolute/path/to/project\"."
    else if !(lib.hasPrefix "/" root) then
      throw "mach-nix: editable = ${builtins.toJSON root} is not an absolute path; give the project's directory as an absolute string, e.g. editable = toString ./.;"
    else if lib.hasPrefix builtins.storeDir root then
      throw ("mach-nix: the editable source ${root} is in the Nix store (read-only, a copy: a flake's source, or an interpolated path), so edits would not take effect. "
        + "Give the checkout's directory as a string that is not copied: editable = toString ./.; in a shell.nix, or editable = builtins.getEnv \"PWD\"; with `nix develop --impure` in a flake.")
    else root;
}
