# nixpkgs' cc-wrapper setup hook: CC/CXX name the wrapper; each package in buildInputs (not
# nativeBuildInputs) contributes its include/ to NIX_CFLAGS_COMPILE and its lib/ to NIX_LDFLAGS.
export CC=gcc CXX=g++ CPP=cpp LD=ld AR=ar NM=nm RANLIB=ranlib
export NIX_CFLAGS_COMPILE="${NIX_CFLAGS_COMPILE:-}" NIX_LDFLAGS="${NIX_LDFLAGS:-}"
ccWrapper_addCVars() {
    case " ${hostPkgs[*]:-} " in *" $1 "*) ;; *) return 0 ;; esac
    if [ -d "$1/include" ]; then NIX_CFLAGS_COMPILE+=" -isystem $1/include"; fi
    if [ -d "$1/lib" ]; then NIX_LDFLAGS+=" -L$1/lib"; fi
}
addEnvHooks "${hostOffset:-0}" ccWrapper_addCVars
