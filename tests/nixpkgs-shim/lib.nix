# The slice of nixpkgs' `lib` that mach-nix's lib/ and this shim use, with nixpkgs' semantics
# (lib/fixed-points.nix, lib/lists.nix, lib/attrsets.nix, lib/strings.nix, lib/customisation.nix).
let
  b = builtins;
  lib = rec {
    inherit (b) elem elemAt filter foldl' head tail length map attrNames attrValues hasAttr
      getAttr isAttrs isList isString isFunction isBool isInt isPath listToAttrs concatLists
      concatStringsSep genList replaceStrings split match substring stringLength toJSON fromJSON
      readFile pathExists functionArgs intersectAttrs removeAttrs mapAttrs tryEval typeOf
      compareVersions splitVersion zipAttrsWith genericClosure catAttrs;

    id = x: x;
    const = x: _: x;
    flip = f: a: b': f b' a;
    fix = f: let x = f x; in x;
    extends = f: rattrs: self: let super = rattrs self; in super // f self super;
    composeExtensions = f: g: final: prev:
      let fApplied = f final prev; prev' = prev // fApplied; in fApplied // g final prev';
    composeManyExtensions = foldr (x: y: composeExtensions x y) (final: prev: { });
    makeExtensible = rattrs: fix (self: rattrs self // { extend = f: makeExtensible (extends f rattrs); });

    foldr = op: nul: list:
      let len = length list; fold' = n: if n == len then nul else op (elemAt list n) (fold' (n + 1));
      in fold' 0;
    foldl = foldl';
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    optionalString = cond: s: if cond then s else "";
    optionalAttrs = cond: as: if cond then as else { };
    concatMap = f: xs: concatLists (map f xs);
    concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);
    concatStrings = concatStringsSep "";
    concatMapStrings = f: xs: concatStrings (map f xs);
    flatten = x: if isList x then concatMap flatten x else [ x ];
    unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
    any = b.any;
    all = b.all;
    last = xs: elemAt xs (length xs - 1);
    toList = x: if isList x then x else [ x ];
    sort = b.sort;
    reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
    subtractLists = e: filter (x: !(elem x e));
    findFirst = pred: default: xs: let f = filter pred xs; in if f == [ ] then default else head f;

    nameValuePair = name: value: { inherit name value; };
    filterAttrs = pred: set: listToAttrs (concatMap (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (attrNames set));
    mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    attrByPath = attrPath: default: e:
      let attr = head attrPath; in
      if attrPath == [ ] then e
      else if e ? ${attr} then attrByPath (tail attrPath) default e.${attr}
      else default;
    getAttrFromPath = attrPath: set: attrByPath attrPath (throw "cannot find attribute `${concatStringsSep "." attrPath}'") set;
    recursiveUpdate = lhs: rhs: lhs // b.mapAttrs (n: v: if isAttrs v && isAttrs (lhs.${n} or null) && !(v ? type) then recursiveUpdate lhs.${n} v else v) rhs;
    isDerivation = value: value.type or null == "derivation";
    boolToString = b: if b then "true" else "false";

    hasInfix = infix: content: builtins.match ".*${escapeRegex infix}.*" "${content}" != null;
    hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let lenContent = stringLength content; lenSuffix = stringLength suffix;
      in lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
    removePrefix = pref: str: if hasPrefix pref str then substring (stringLength pref) (stringLength str) str else str;
    removeSuffix = suf: str: if hasSuffix suf str then substring 0 (stringLength str - stringLength suf) str else str;
    splitString = sep: s: filter isString (split (escapeRegex sep) s);
    escapeRegex = s: replaceStrings [ "\\" "." "*" "+" "?" "(" ")" "[" "]" "{" "}" "|" "^" "$" ] [ "\\\\" "\\." "\\*" "\\+" "\\?" "\\(" "\\)" "\\[" "\\]" "\\{" "\\}" "\\|" "\\^" "\\$" ] s;
    toLower = replaceStrings (upperChars) (lowerChars);
    lowerChars = b.genList (n: substring n 1 "abcdefghijklmnopqrstuvwxyz") 26;
    upperChars = b.genList (n: substring n 1 "ABCDEFGHIJKLMNOPQRSTUVWXYZ") 26;
    strings = { inherit hasPrefix hasSuffix splitString; };
    escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    getExe = x: "${x}/bin/${x.meta.mainProgram or x.pname or x.name}";
    makeSearchPath = subDir: paths: concatStringsSep ":" (map (p: "${p}/${subDir}") (filter (x: x != null) paths));
    makeLibraryPath = makeSearchPath "lib";
    makeBinPath = makeSearchPath "bin";

    versionOlder = v1: v2: compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;
    versions = rec {
      splitVersion = b.splitVersion;
      major = v: elemAt (splitVersion v) 0;
      minor = v: elemAt (splitVersion v) 1;
      majorMinor = v: concatStringsSep "." (b.genList (elemAt (splitVersion v)) 2);
    };

    warn = msg: b.trace "[1;31mwarning: ${msg}[0m";
    warnIf = cond: msg: if cond then warn msg else x: x;
    throwIf = cond: msg: if cond then throw msg else x: x;
    assertMsg = pred: msg: pred || throw msg;
    trivial = { inherit id const flip warn; };
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000";
    systems.doubles.all = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    genAttrs' = genAttrs;

    # lib/customisation.nix
    makeOverridable = f: origArgs:
      let
        result = f origArgs;
        overrideWith = newArgs: origArgs // (if isFunction newArgs then newArgs origArgs else newArgs);
        overrideResult = g: makeOverridable (args: g (f args)) origArgs;
      in
      if isAttrs result then
        result // {
          override = newArgs: makeOverridable f (overrideWith newArgs);
          overrideDerivation = fdrv: overrideResult (x: x.overrideDerivation fdrv);
        }
      else if isFunction result then
        { __functor = self: result; override = newArgs: makeOverridable f (overrideWith newArgs); }
      else result;
    callPackageWith = autoArgs: fn: args:
      let
        f = if isFunction fn then fn else import fn;
        auto = intersectAttrs (functionArgs f) autoArgs;
      in makeOverridable f (auto // args);
    # `drv` with `passthru` whose outPath/drvPath throw `msg` unless `condition` holds.
    extendDerivation = condition: passthru: drv:
      let
        outputs = drv.outputs or [ "out" ];
        check = x: if condition then x else throw "extendDerivation: condition failed";
        commonAttrs = drv // passthru // { outPath = check drv.outPath; drvPath = check drv.drvPath; };
        outputToAttrListElement = outputName: nameValuePair outputName (commonAttrs // {
          inherit (drv.${outputName}) type outputName;
          outPath = check drv.${outputName}.outPath; drvPath = check drv.drvPath;
        });
        outputsList = map outputToAttrListElement outputs;
      in commonAttrs // listToAttrs outputsList;
  };
in lib
