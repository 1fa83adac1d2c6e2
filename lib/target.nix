# The resolution target of an interpreter on a platform, and its comparison with a lock's target.
{ lib }:
let
  constants = import ./constants.nix { };
in
rec {
  /* fromPython :: { python, stdenv } -> target
     The lock-format target (docs/lock-format.md) that `python` on `stdenv.hostPlatform` means.
     Example: fromPython { python = pkgs.python311; inherit (pkgs) stdenv; }
       == { python = "3.11"; python_full = "3.11.9"; implementation = "cpython";
            system = "x86_64-linux"; glibc = "2.40"; macos = null; }
  */
  fromPython = { python, stdenv }:
    let platform = stdenv.hostPlatform; in {
      python = python.pythonVersion;
      python_full = python.version or null;
      implementation = python.implementation or "cpython";
      system = platform.system;
      glibc = if platform.isLinux && (platform.libc or "glibc") == "glibc" then stdenv.cc.libc.version or null else null;
      macos = if platform.isDarwin then platform.darwinSdkVersion or platform.darwinMinVersion or constants.defaultTarget.macos else null;
    };

  /* mismatches :: lockTarget -> target -> [string]
     Why a lock made for `locked` cannot be used for `wanted` (empty when it can). A lock made for
     an older glibc or macOS than the platform's is fine; a newer one is not.
  */
  mismatches = locked: wanted:
    let
      newer = a: b: a != null && b != null && builtins.compareVersions a b > 0;
    in
    lib.optional (locked.python or null != wanted.python) "Python ${toString (locked.python or "?")} (lock) vs ${wanted.python} (interpreter)"
    ++ lib.optional ((locked.implementation or "cpython") != wanted.implementation) "implementation ${locked.implementation} (lock) vs ${wanted.implementation}"
    ++ lib.optional (locked.system or null != wanted.system) "system ${toString (locked.system or "?")} (lock) vs ${wanted.system}"
    ++ lib.optional (newer (locked.glibc or null) wanted.glibc) "glibc ${locked.glibc} (lock) is newer than the platform's ${wanted.glibc}"
    ++ lib.optional (newer (locked.macos or null) wanted.macos) "macOS ${locked.macos} (lock) is newer than the platform's ${wanted.macos}";

  /* lockArgs :: target -> string — the `mach-nix lock` flags that select `target`.
     Example: lockArgs t == "--python 3.11 --system x86_64-linux --glibc 2.40"
  */
  lockArgs = t:
    "--python ${if t.python_full or null != null then t.python_full else t.python} --system ${t.system}"
    + lib.optionalString (t.glibc != null) " --glibc ${t.glibc}"
    + lib.optionalString (t.macos != null) " --macos ${t.macos}";
}
