# autoAddDriverRunpath (nixpkgs: pkgs/by-name/au/autoAddDriverRunpath): after fixup, add the
# driver library directory (@driverLink@/lib, /run/opengl-driver/lib on NixOS) to the RUNPATH of
# every ELF file of the outputs, so libcuda.so.1 & co. are found at run time.
addDriverRunpath() {
    local f="$1" old
    old=$(patchelf --print-rpath "$f" 2>/dev/null) || return 0
    case ":$old:" in *":@driverLink@/lib:"*) return 0 ;; esac
    patchelf --set-rpath "${old:+$old:}@driverLink@/lib" "$f"
}
autoAddDriverRunpathPostFixup() {
    local o f
    for o in $outputs; do
        while IFS= read -r -d '' f; do
            if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then addDriverRunpath "$f"; fi
        done < <(find "${!o}" -type f -print0)
    done
}
postFixupHooks+=(autoAddDriverRunpathPostFixup)
