# The lock fields that reach a tool, checked before Nix calls one: `url` (a fetcher's argument),
# `path` (a copy from beside the lock) and `sha256`. The same rules as py/mach_nix/lock_fields.py;
# tests/data/golden/lock-fields.json holds the cases both must agree on.
{ lib }:
rec {
  /* problem :: field -> value -> null or string — what is wrong with `value` as the lock field
     `field` ("url", "path" or "sha256"), or null when it is well-formed (other fields: null).
     Example: problem "url" "-K/tmp/curlrc" == "expected an https:// or http:// URL"
  */
  problem = field: value:
    if !builtins.isString value then "expected a string"
    else ({ url = urlProblem; path = pathProblem; sha256 = sha256Problem; }.${field} or (_: null)) value;

  # A fetcher takes the URL as an argument: a leading '-' would be an option, whitespace would split
  # it, control characters could end a header; only the schemes an index serves.
  urlProblem = url:
    if builtins.match "(https|http)://.*" url == null then "expected an https:// or http:// URL"
    else if builtins.match "[^[:space:][:cntrl:]]*" url == null then "expected a URL without whitespace or control characters"
    else if builtins.match "(https|http)://[^/@-].*" url == null then "expected a URL with a host name"
    else null;

  # Relative to the lock's directory and lexically inside it.
  pathProblem = path:
    let parts = lib.splitString "/" path; in
    if path == "" || lib.hasPrefix "/" path || lib.hasPrefix "~" path || lib.hasInfix "\\" path
    then "expected a relative path inside the lock's directory"
    else if builtins.match "[^[:cntrl:]]*" path == null then "expected a path without control characters"
    else if lib.elem ".." parts then "expected a path inside the lock's directory (no '..')"
    else if lib.elem (lib.last parts) [ "" "." ] then "expected the path of a file"
    else null;

  sha256Problem = sha256:
    if builtins.match "[0-9a-f]{64}" sha256 == null then "expected 64 lowercase hexadecimal digits" else null;

  /* checked :: name -> field -> value -> value — `value`, or a throw naming the package and the field.
     Example: checked "six" "url" "https://files.pythonhosted.org/…/six-1.16.0.tar.gz"
  */
  checked = name: field: value:
    let why = problem field value; in
    if why == null then value
    else throw "mach-nix: the lock's package ${name} has an invalid '${field}' (${why}): ${builtins.toJSON (shorten value)}. A lock from an untrusted source cannot be used as it is; re-create it with `mach-nix lock`.";

  # quoted input in messages is cut
  shorten = value: if builtins.isString value && builtins.stringLength value > 200
    then builtins.substring 0 200 value + "…" else value;
}
