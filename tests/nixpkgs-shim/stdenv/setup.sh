# Generic builder of the shim's stdenv: a small, faithful subset of nixpkgs' pkgs/stdenv/generic/setup.sh
# (phases, runHook, setup hooks and env hooks of inputs, propagated inputs), on the host's Debian tools.
# Sourced by default-builder.sh (which adds `set -eu -o pipefail`) and by nix-shell.
shopt -s nullglob

: "${outputs:=out}"
export NIX_BUILD_CORES="${NIX_BUILD_CORES:-1}"
export SOURCE_DATE_EPOCH=315532800
export HOME=/homeless-shelter
export LANG="${LANG:-C.UTF-8}"
PATH="$shimHostPath"

envHooks=()
unpackCmdHooks=(_defaultUnpack)  # defined below, before any input's setup hook adds its own
addEnvHooks() { shift; envHooks+=("$@"); }

# runHook NAME: the implicit hook (a variable or function NAME), then every element of NAMEHooks.
runHook() {
    local hookName="$1"; shift
    local arr="${hookName%Hook}Hooks[@]"
    if declare -F "$hookName" >/dev/null; then "$hookName" "$@"
    elif [ -n "${!hookName:-}" ]; then eval "${!hookName}"
    fi
    local h
    for h in ${!arr+"${!arr}"}; do eval "$h" "$@"; done
    return 0
}

addToSearchPath() {
    local var="$1" dir="$2"
    if [ -d "$dir" ]; then export "$var=${!var:+${!var}:}$dir"; fi
}

# The transitive closure of some store paths over nix-support/<file> lists, in nixpkgs' order
# (pkgs/stdenv/generic/setup.sh, findInputs): depth first, each input followed at once by what it
# propagates, before the next input. So a package a hook propagates (the set's packaging) comes
# before a later input, even one listed directly (PYTHONPATH and PATH follow this order).
closure() {
    local files="$1"; shift
    local -A seen=(); local out=() p
    visitInput() {
        local p="$1" f q
        [ -n "$p" ] || return 0
        [ -z "${seen[$p]:-}" ] || return 0
        seen[$p]=1; out+=("$p")
        for f in $files; do
            if [ -f "$p/nix-support/$f" ]; then
                for q in $(cat "$p/nix-support/$f"); do visitInput "$q"; done
            fi
        done
    }
    for p in "$@"; do visitInput "$p"; done
    echo "${out[@]}"
}

nativePkgs=($(closure "propagated-native-build-inputs propagated-build-inputs" ${nativeBuildInputs:-} ${propagatedNativeBuildInputs:-}))
hostPkgs=($(closure "propagated-build-inputs" ${buildInputs:-} ${propagatedBuildInputs:-}))
pkgsHostTarget=("${hostPkgs[@]}")

for p in "${nativePkgs[@]}"; do
    if [ -d "$p/bin" ]; then PATH="$p/bin:$PATH"; fi
done
for p in "${nativePkgs[@]}" "${hostPkgs[@]}"; do
    if [ -f "$p/nix-support/setup-hook" ]; then source "$p/nix-support/setup-hook"; fi
done
for p in "${nativePkgs[@]}" "${hostPkgs[@]}"; do
    for h in ${envHooks[@]+"${envHooks[@]}"}; do "$h" "$p"; done
done
export PATH

stripHash() { basename "$1" | sed -E 's/^[a-z0-9]{32}-//'; }

# nixpkgs: unpackFile runs the unpackCmd hooks, the first that succeeds wins; the default one takes
# directories and tarballs only. A .zip needs the `unzip` package, whose setup hook adds _tryUnzip
# (stdenv has no unzip on PATH).
_defaultUnpack() {
    local fn="$1"
    if [ -d "$fn" ]; then cp -r --no-preserve=mode "$fn" "$(stripHash "$fn")"; return 0; fi
    case "$fn" in
        *.tar.gz|*.tgz|*.tar.bz2|*.tbz2|*.tar.xz|*.txz|*.tar) tar xf "$fn" ;;
        *) return 1 ;;
    esac
}
unpackFile() {
    curSrc="$1"
    local h
    for h in "${unpackCmdHooks[@]}"; do
        if "$h" "$curSrc"; then return 0; fi
    done
    echo "do not know how to unpack source archive $curSrc" >&2
    exit 1
}

unpackPhase() {
    runHook preUnpack
    if [ -z "${src:-}" ]; then echo "unpackPhase: no src" >&2; exit 1; fi
    local before; before=$(ls -A)
    unpackFile "$src"
    if [ -z "${sourceRoot:-}" ]; then
        sourceRoot=$(comm -13 <(echo "$before" | sort) <(ls -A | sort) | head -n1)
    fi
    chmod -R u+w "$sourceRoot"
    cd "$sourceRoot"
    runHook postUnpack
}

patchPhase() {
    runHook prePatch
    local p
    for p in ${patches:-}; do
        case "$p" in *.gz) gzip -dc "$p" ;; *) cat "$p" ;; esac | patch ${patchFlags:--p1}
    done
    runHook postPatch
}
configurePhase() { runHook preConfigure; runHook postConfigure; }
buildPhase() { runHook preBuild; runHook postBuild; }
checkPhase() { runHook preCheck; runHook postCheck; }
installPhase() { runHook preInstall; runHook postInstall; }
installCheckPhase() { runHook preInstallCheck; runHook postInstallCheck; }
distPhase() { runHook preDist; runHook postDist; }

fixupPhase() {
    runHook preFixup
    local o
    for o in $outputs; do mkdir -p "${!o}"; done
    if [ -n "${propagatedBuildInputs:-}" ]; then
        mkdir -p "$out/nix-support"
        printf '%s\n' $propagatedBuildInputs > "$out/nix-support/propagated-build-inputs"
    fi
    if [ -n "${propagatedNativeBuildInputs:-}" ]; then
        mkdir -p "$out/nix-support"
        printf '%s\n' $propagatedNativeBuildInputs > "$out/nix-support/propagated-native-build-inputs"
    fi
    if [ -n "${setupHook:-}" ]; then
        mkdir -p "$out/nix-support"
        substituteAll "$setupHook" "$out/nix-support/setup-hook"
    fi
    runHook postFixup
}

substituteAll() {
    local in="$1" dst="$2" content name
    content=$(cat "$in")
    for name in $(grep -o '@[A-Za-z_][A-Za-z0-9_]*@' "$in" | sort -u | tr -d @); do
        content="${content//@$name@/${!name:-}}"
    done
    printf '%s\n' "$content" > "$dst"
}

# substituteInPlace FILE... --replace-fail OLD NEW | --replace-warn OLD NEW | --replace-quiet OLD NEW
# (nixpkgs' substitute: --replace-fail stops the build when OLD is absent).
substituteInPlace() {
    local files=() f
    while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do files+=("$1"); shift; done
    for f in "${files[@]}"; do
        local content; content=$(cat "$f"; printf x); content="${content%x}"
        local args=("$@")
        while [ ${#args[@]} -gt 0 ]; do
            local mode="${args[0]}" old="${args[1]}" new="${args[2]}"
            args=("${args[@]:3}")
            case "$mode" in
                --replace-fail|--replace-warn|--replace-quiet|--replace) ;;
                *) echo "substituteInPlace: unknown argument $mode" >&2; exit 1 ;;
            esac
            if [[ "$content" != *"$old"* ]]; then
                if [ "$mode" = --replace-fail ]; then
                    echo "substituteStream() in derivation $name: ERROR: pattern $old doesn't match anything in file '$f'" >&2
                    exit 1
                elif [ "$mode" = --replace-warn ]; then
                    echo "substituteStream() in derivation $name: WARNING: pattern $old doesn't match anything in file '$f'" >&2
                fi
            fi
            content="${content//"$old"/"$new"}"
        done
        printf '%s' "$content" > "$f"
    done
}

runPhase() {
    local curPhase="$1"
    case "$curPhase" in
        unpackPhase) [ -z "${dontUnpack:-}" ] || return 0 ;;
        patchPhase) [ -z "${dontPatch:-}" ] || return 0 ;;
        configurePhase) [ -z "${dontConfigure:-}" ] || return 0 ;;
        buildPhase) [ -z "${dontBuild:-}" ] || return 0 ;;
        checkPhase) [ -n "${doCheck:-}" ] || return 0 ;;
        installPhase) [ -z "${dontInstall:-}" ] || return 0 ;;
        fixupPhase) [ -z "${dontFixup:-}" ] || return 0 ;;
        installCheckPhase) [ -n "${doInstallCheck:-}" ] || return 0 ;;
        distPhase) [ -n "${doDist:-}" ] || return 0 ;;
    esac
    echo "@nix { \"action\": \"setPhase\", \"phase\": \"$curPhase\" }" >&2 || true
    echo "running $curPhase"
    if [ -n "${!curPhase:-}" ]; then eval "${!curPhase}"; else "$curPhase"; fi
}

genericBuild() {
    if [ -n "${buildCommandPath:-}" ]; then source "$buildCommandPath"; return; fi
    if [ -n "${buildCommand:-}" ]; then eval "$buildCommand"; return; fi
    local phases="${phases:-${prePhases:-} unpackPhase patchPhase ${preConfigurePhases:-} configurePhase ${preBuildPhases:-} buildPhase checkPhase ${preInstallPhases:-} installPhase ${preFixupPhases:-} fixupPhase installCheckPhase ${preDistPhases:-} distPhase ${postPhases:-}}"
    local p
    for p in $phases; do
        runPhase "$p"
    done
}
