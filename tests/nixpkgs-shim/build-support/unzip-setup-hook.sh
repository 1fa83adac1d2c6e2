# nixpkgs' unzip setup hook (pkgs/tools/archivers/unzip/setup-hook.sh): unpackPhase takes .zip
# sources only when `unzip` is an input.
unpackCmdHooks+=(_tryUnzip)
_tryUnzip() {
    if ! [[ "$curSrc" =~ \.zip$ ]]; then return 1; fi
    LANG=en_US.UTF-8 unzip -qq "$curSrc"
}
