# The index's addressing rules, read while Nix evaluates (no import from derivation): which JSON
# shard holds a project, where a file node's file is, and the lookups the foreign-lock conversion
# makes in the index (docs/index-format.md). The twin of py/mach_nix/index/storage/schema.py (`shard_of`,
# `file_url`, PYPI_FILES); both are held to tests/data/golden/names.json and file-urls.json.
{ lib }:
rec {
  # PyPI's file host keeps a file at packages/<blake2b-256 of the file, split 2/2/60>/<filename>
  # (twin: PYPI_FILES in py/mach_nix/index/storage/schema.py).
  pypiFiles = "https://files.pythonhosted.org/packages/";

  /* shardOf :: string -> string — the index shard of a normalized project name: the first two hex
     digits of its sha256.
     Example: shardOf "requests" == "ec"
  */
  shardOf = name: builtins.substring 0 2 (builtins.hashString "sha256" name);

  /* fileUrl :: fileNode -> string — where an index file node's file is: its `url`, else its
     address on PyPI's file host, which the node names by the file's blake2b-256 (index schema 2).
     Example: fileUrl { filename = "six-1.16.0.tar.gz"; blake2b_256 = "71392…"; }
       == "https://files.pythonhosted.org/packages/71/39/2…/six-1.16.0.tar.gz"
  */
  fileUrl = node:
    if (node.url or null) != null && node.url != "" then node.url  # a null or empty url is none (as in Python)
    else
      let digest = node.blake2b_256; in
      "${pypiFiles}${builtins.substring 0 2 digest}/${builtins.substring 2 2 digest}/${builtins.substring 4 60 digest}/${node.filename}";

  /* project :: (path | null) -> string -> attrs or null — the index's record of a normalized
     project name, read from its JSON shard under `pypiData` (null: no index, or not in it).
     Example: (project ../data "six").releases."1.16.0"
  */
  project = pypiData: name:
    let path = pypiData + "/${shardOf name}.json"; in
    if pypiData == null || !builtins.pathExists path then null
    else (builtins.fromJSON (builtins.readFile path)).projects.${name} or null;

  /* file :: (attrs | null) -> string -> fileNode or null — the node of `filename` in any release of
     a project record (`project`'s result); null when the record or the file is absent.
     Example: (file (project ../data "six") "six-1.16.0.tar.gz").sha256
  */
  file = record: filename:
    if record == null then null
    else
      let
        nodes = lib.concatMap (version: record.releases.${version}) (lib.attrNames record.releases);
        found = lib.filter (node: node.filename == filename) nodes;
      in
      if found == [ ] then null else builtins.head found;
}
