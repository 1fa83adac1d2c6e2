# The accelerator a lock is for (`target.accelerator`: "cpu" or "cuda"; docs/lock-format.md), and
# the `accelerator` argument of mkPython & co. that refuses a lock made for another one.
# The rule is py/mach_nix/accelerator.py's: a `+cuXYZ` local version, an `nvidia-*` wheel or a
# name that says CUDA (`cupy-cuda12x`, `jax-cuda12-plugin`, `onnxruntime-gpu`) says cuda, else
# cpu; a lock that does not record the field is read with that rule.
{ lib }:
rec {
  known = [ "cpu" "cuda" ];

  /* evidence :: name -> version -> "cpu" | "cuda" | null — what one locked package says.
     Example: evidence "torch" "2.5.1+cu124" == "cuda"; evidence "six" "1.16.0" == null
  */
  evidence = name: version:
    let local = lib.toLower (lib.concatStringsSep "+" (lib.tail (lib.splitString "+" version))); in
    if local == "cpu" || lib.hasPrefix "cpu." local then "cpu"
    else if builtins.match "cu[0-9]+.*" local != null || builtins.match "(nvidia-.*|.*-cuda[0-9]+.*|.*-cu[0-9]+(-.*)?|.*-gpu)" (lib.toLower (lib.replaceStrings [ "_" "." ] [ "-" "-" ] name)) != null then "cuda"
    else null;

  /* ofLock :: lock -> "cpu" | "cuda" — the lock's `target.accelerator`, else what its packages say.
     Example: ofLock { target = { }; packages.torch = { version = "2.5.1+cpu"; }; } == "cpu"
  */
  ofLock = lock:
    let says = lib.mapAttrsToList (n: e: evidence n (toString (e.version or ""))) (lock.packages or { }); in
    lock.target.accelerator or (if lib.elem "cuda" says then "cuda" else "cpu");

  /* linksCuda :: name -> entry -> bool — a binary wheel whose libraries load CUDA: an `nvidia-*`
     wheel or a `+cuXYZ` build, or one whose `needs` name a CUDA library (libcudart, libcublas,
     libnvrtc, libnccl, …). With `accelerator = "cuda"` these get the driver runpath, so that the
     libcuda.so.1 they (or the CUDA runtime they load) dlopen is found on NixOS.
  */
  linksCuda = name: entry:
    evidence name (toString (entry.version or "")) == "cuda"
    || lib.any (s: builtins.match "lib(cu|nv|nccl).*" s != null) (lib.attrNames (entry.needs or { }));

  /* check :: { lock, accelerator, relock, what, output, after } -> lock — the lock, unchanged, or
     a throw when `accelerator` (the Nix argument; null: any) differs from the lock's (ofLock).
       relock: the `mach-nix lock …` command (without -o) that re-locks the same inputs here
       what:   the lock as the message names it (`"the lock ${toString lockFile}"`)
       output: the file the re-lock writes; after: what to do with it (for a resolution in Nix)
  */
  check = { lock, accelerator ? null, relock, what, output, after ? "" }:
    let
      has = ofLock lock;
      hint = lib.optionalString (accelerator == "cpu" && (lock.packages or { }) ? torch)
        " (for PyTorch's CPU builds, with --extra-index-url https://download.pytorch.org/whl/cpu)";
    in
    if accelerator != null && !(lib.elem accelerator known) then
      throw "mach-nix: accelerator = ${builtins.toJSON accelerator} is not one of \"cpu\", \"cuda\" (or null: whatever the lock is for)."
    else if accelerator == null || accelerator == has then lock
    else throw ("mach-nix: ${what} was made for another accelerator: ${has} (lock) vs ${accelerator} (the accelerator argument). "
      + "Re-lock it for ${accelerator}${hint} with:\n  ${relock} --accelerator ${accelerator} -o ${output}${after}");
}
