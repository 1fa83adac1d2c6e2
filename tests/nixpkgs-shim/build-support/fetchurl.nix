# fetchurl with nixpkgs' interface (pkgs/build-support/fetchurl/default.nix): a fixed-output, flat
# derivation downloaded with the bootstrap tools' curl (a fixed-output build is the only one the
# sandbox lets reach the network), trusting the CA bundle imported with them (nixpkgs: cacert).
{ lib, stdenvNoCC, cacertFile }:
{ url ? "", urls ? [ ], name ? "", pname ? "", version ? "", hash ? "", sha256 ? "", sha512 ? ""
, sha1 ? "", outputHash ? "", outputHashAlgo ? "", curlOpts ? "", curlOptsList ? [ ], postFetch ? ""
, downloadToTemp ? false, executable ? false, recursiveHash ? false, showURLs ? false
, passthru ? { }, meta ? { }, ...
}:
let
  urls_ =
    if urls != [ ] && url == "" then urls
    else if urls == [ ] && url != "" then [ url ]
    else throw "fetchurl requires either `url` or `urls` to be set";
  given = lib.filter (h: h.v != "") [
    { a = ""; v = hash; } { a = "sha256"; v = sha256; } { a = "sha512"; v = sha512; } { a = "sha1"; v = sha1; }
    { a = outputHashAlgo; v = outputHash; }
  ];
  h =
    if lib.length given > 1 then throw "multiple hashes passed to fetchurl"
    else if given == [ ] then throw "fetchurl requires a hash for fixed-output derivation: ${lib.concatStringsSep ", " urls_}"
    else lib.head given;
  # SRI hashes carry their algorithm; nixpkgs leaves outputHashAlgo empty for them.
  isSRI = builtins.match "(sha256|sha512|sha1)-.*" h.v != null;
  drvName =
    if pname != "" && version != "" then "${pname}-${version}"
    else if showURLs then "urls"
    else if name != "" then name
    else baseNameOf (toString (lib.head urls_));
in
stdenvNoCC.mkDerivation {
  name = drvName;
  outputHashMode = if (recursiveHash || executable) then "recursive" else "flat";
  outputHashAlgo = if isSRI then null else if h.a == "" then "sha256" else h.a;
  outputHash = h.v;
  inherit postFetch executable;
  urls = urls_;
  SSL_CERT_FILE = cacertFile;
  curlOpts = curlOpts;
  curlOptsList = curlOptsList;
  buildCommand = ''
    ok=
    for u in $urls; do
      if curl --location --fail --silent --show-error --retry 3 --connect-timeout 20 $curlOpts -o "$out" -- "$u"; then ok=1; break; fi
    done
    if [ -z "$ok" ]; then echo "error: cannot download $(basename "$out") from any mirror" >&2; exit 1; fi
    ${lib.optionalString executable ''chmod +x "$out"''}
    eval "$postFetch"
  '';
  passthru = { url = lib.head urls_; resolvedUrl = lib.head urls_; urls = urls_; } // passthru;
  inherit meta;
}
