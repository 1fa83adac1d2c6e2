# The line a failed build of lib/ prints last (nixpkgs' stdenv runs `failureHook` when the builder
# fails): where to get the fix, since the error itself is often a missing library or header.
{ }:
{
  /* failureHook :: string -> string -> string — the hook's shell text for package `name` `version`.
     Example: failureHook "lxml" "5.3.0"
  */
  failureHook = name: version:
    "echo \"mach-nix: ${name} ${version} failed to build; \\`mach-nix explain-build <the .drv named below>\\` "
    + "prints what to add (an overrides/ rule or an overridesPost snippet) for a missing library, header, "
    + "pkg-config module, tool or Python build requirement.\" >&2";
}
