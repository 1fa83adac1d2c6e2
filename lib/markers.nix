# PEP 508 environment markers, evaluated in pure Nix (no import from derivation).
#
# Used where a lock of another tool (uv.lock, poetry.lock, pylock.toml) records markers that must be
# decided for one target at evaluation time. Grammar: `or` of `and` of comparisons or parenthesized
# markers; a comparison is VALUE OP VALUE where a value is a quoted string or a marker variable.
# Version variables compare as PEP 440 specifiers (lib/versions.nix `satisfies`, as packaging does);
# `extra` compares normalized names; `in`/`not in` test substrings, or membership for the list
# variables of PEP 751 (`extras`, `dependency_groups`).
{ lib }:
let
  tokenRegex = "[[:space:]]*(\\(|\\)|'[^']*'|\"[^\"]*\"|===|==|!=|<=|>=|~=|<|>|not[[:space:]]+in|[A-Za-z_][A-Za-z0-9_.]*)";
  versionVariables = [ "python_version" "python_full_version" "implementation_version" ];
  normalizeName = (import ./names.nix { inherit lib; }).normalize;
  versions = import ./versions.nix { inherit lib; };
  dropList = n: xs: builtins.genList (i: builtins.elemAt xs (i + n)) (builtins.length xs - n);

  /* tokens :: string -> [string] — the marker's tokens; throws on text that is no token. */
  tokens = text:
    let
      parts = builtins.split tokenRegex text;
      leftover = builtins.concatStringsSep "" (lib.filter lib.isString parts);
    in
    if builtins.match "[[:space:]]*" leftover == null
    then throw "mach-nix: the marker '${text}' is not PEP 508 (cannot read '${leftover}')."
    else map (m: builtins.head m) (lib.filter lib.isList parts);

  unquote = t: builtins.substring 1 (builtins.stringLength t - 2) t;
  isQuoted = t: builtins.match "('.*'|\".*\")" t != null;

  # A version compared as packaging compares marker versions: `left` against the specifier
  # `op right` (lib/versions.nix `satisfies`, pre-releases admitted), `===` as strings.
  # Example: versionCompare "==" "3.11.2" "3.11.*" == true
  versionCompare = op: left: right:
    if op == "===" then left == right
    else if builtins.elem op [ "==" "!=" "<" "<=" ">" ">=" "~=" ] then versions.satisfies "${op}${right}" left
    else throw "mach-nix: marker operator ${op} cannot compare versions.";

  compare = env: leftTok: op: rightTok:
    let
      value = t: if isQuoted t then unquote t
        else if env ? ${t} then env.${t}
        else throw "mach-nix: the marker variable '${t}' is unknown (PEP 508 lists the variables).";
      left = value leftTok;
      right = value rightTok;
      isVersion = lib.elem leftTok versionVariables || lib.elem rightTok versionVariables;
      isExtra = leftTok == "extra" || rightTok == "extra";
      inList = list: item: lib.elem (normalizeName item) (map normalizeName list);
      contains = outer: inner: if lib.isList outer then inList outer inner else lib.hasInfix inner outer;
    in
    if op == "in" then contains right left
    else if builtins.match "not[[:space:]]+in" op != null then !(contains right left)
    else if isExtra then
      (if op == "==" then normalizeName left == normalizeName right
       else if op == "!=" then normalizeName left != normalizeName right
       else throw "mach-nix: marker operator ${op} cannot compare extras.")
    else if isVersion && !isQuoted leftTok then versionCompare op left right
    else if isVersion then versionCompare (flip op) right left
    else if op == "==" || op == "===" then left == right
    else if op == "!=" then left != right
    else versionCompare op left right;

  flip = op: { "<" = ">"; "<=" = ">="; ">" = "<"; ">=" = "<="; "==" = "=="; "!=" = "!="; "===" = "==="; }.${op}
    or (throw "mach-nix: marker operator ${op} needs the variable on the left.");

  # Recursive descent over the token list; each parser returns { value; rest; }.
  parseOr = env: ts:
    let
      first = parseAnd env ts;
      loop = acc: if acc.rest != [ ] && builtins.head acc.rest == "or"
        then let next = parseAnd env (builtins.tail acc.rest); in loop { value = acc.value || next.value; rest = next.rest; }
        else acc;
    in loop first;

  parseAnd = env: ts:
    let
      first = parseAtom env ts;
      loop = acc: if acc.rest != [ ] && builtins.head acc.rest == "and"
        then let next = parseAtom env (builtins.tail acc.rest); in loop { value = acc.value && next.value; rest = next.rest; }
        else acc;
    in loop first;

  parseAtom = env: ts:
    if ts == [ ] then throw "mach-nix: a marker ends too early."
    else if builtins.head ts == "(" then
      let inner = parseOr env (builtins.tail ts); in
      if inner.rest == [ ] || builtins.head inner.rest != ")" then throw "mach-nix: a marker has an unclosed '('."
      else { inherit (inner) value; rest = builtins.tail inner.rest; }
    else if builtins.length ts < 3 then throw "mach-nix: a marker comparison is incomplete: ${lib.concatStringsSep " " ts}."
    else {
      value = compare env (builtins.elemAt ts 0) (builtins.elemAt ts 1) (builtins.elemAt ts 2);
      rest = dropList 3 ts;
    };
in
{
  /* evaluate :: env -> string|null -> bool — whether a marker holds (null or "" always holds).
       env: the marker variables, e.g. (environment target) // { extra = ""; }
     Example: evaluate (environment t) "sys_platform == 'linux' and python_version >= '3.8'" == true
  */
  evaluate = env: marker:
    if marker == null || builtins.match "[[:space:]]*" marker != null then true
    else
      let parsed = parseOr env (tokens marker); in
      if parsed.rest != [ ] then throw "mach-nix: the marker '${marker}' has trailing text: ${lib.concatStringsSep " " parsed.rest}."
      else parsed.value;

  /* environment :: target -> attrs — PEP 508 variables of a mach-nix target (lib/target.nix's shape).
       target: { python; python_full; system; ... }
  */
  environment = target:
    let
      arch = builtins.head (lib.splitString "-" target.system);
      darwin = lib.hasSuffix "-darwin" target.system;
      full = target.python_full or target.python;
    in
    {
      implementation_name = "cpython";
      implementation_version = full;
      os_name = "posix";
      platform_machine = if darwin && arch == "aarch64" then "arm64" else arch;
      platform_python_implementation = "CPython";
      platform_release = "";
      platform_system = if darwin then "Darwin" else "Linux";
      platform_version = "";
      python_full_version = full;
      python_version = target.python;
      sys_platform = if darwin then "darwin" else "linux";
      extra = "";
    };
}
