# A locked file (wheel or sdist) as a source: fetched by URL, or copied from a local path (a path
# source of a uv.lock, poetry.lock or pylock.toml), checked against the lock's sha256 either way.
# The url and sha256 are checked (lib/lock-fields.nix) before a fetcher sees them; a lock's `path`
# was checked before it was anchored beside the lock (resolve.nix, anchorPaths).
{ pkgs }:
let fields = import ./lock-fields.nix { inherit (pkgs) lib; }; in
{
  /* srcOf :: entry -> path or derivation
       entry: a lock package with filename and sha256, and url or path (a Nix path, or a string)
     Example: srcOf { filename = "six-1.16.0-py2.py3-none-any.whl"; url = "https://…"; sha256 = "8abb…"; }
  */
  srcOf = entry:
    let
      name = entry.name or entry.filename;
      sha256 = fields.checked name "sha256" entry.sha256;
    in
    if entry ? path && entry.path != null
    then builtins.path { path = entry.path; name = entry.filename; inherit sha256; recursive = false; }
    else pkgs.fetchurl { url = fields.checked name "url" entry.url; inherit sha256; name = entry.filename; };
}
