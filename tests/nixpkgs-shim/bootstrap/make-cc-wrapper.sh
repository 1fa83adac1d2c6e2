# Builds the cc-wrapper (cc-wrapper.nix): bin/{cc,gcc,c++,g++,cpp} and ld-wrapper/ld, scripts that
# add glibc and the declared inputs to the unwrapped compiler's command line.
export PATH="$tools/bin"
set -eu
mkdir -p "$out/bin" "$out/ld-wrapper" "$out/nix-support"

compiler() {  # compiler NAME REAL
  cat > "$out/bin/$1" <<SH
#!$tools/bin/bash
# -B: glibc's start files and the ld wrapper; -idirafter: glibc's headers after the compiler's own
# (as nixpkgs' cc-wrapper does). NIX_CFLAGS_COMPILE holds -isystem of each declared input.
exec $gcc/bin/$2 -B$glibc/lib/ -B$out/ld-wrapper/ -idirafter $glibc/include \${NIX_CFLAGS_COMPILE:-} "\$@"
SH
  chmod +x "$out/bin/$1"
}
compiler cc gcc; compiler gcc gcc; compiler c++ g++; compiler g++ g++; compiler cpp cpp

cat > "$out/ld-wrapper/ld" <<SH
#!$tools/bin/bash
# NIX_LDFLAGS holds -L of each declared input; every store directory searched becomes a RUNPATH
# entry, and executables get the store's dynamic linker (the host's /lib64 is not there).
# The compiler's own directories are not searched at run time: its run-time libraries (libstdc++,
# libgcc_s) are in $gcc/lib, which comes last.
extra=(-rpath $glibc/lib)
shared=
for a in \${NIX_LDFLAGS:-} "\$@"; do
  case "\$a" in
    -L$gcc/*|-L$out/*) ;;
    -L$storeDir/*) extra+=(-rpath "\${a#-L}") ;;
    -shared) shared=1 ;;
  esac
done
extra+=(-rpath $gcc/lib)
[ -n "\$shared" ] || extra+=(-dynamic-linker $glibc/lib/$loader)
exec $gcc/bin/ld \${NIX_LDFLAGS:-} "\$@" "\${extra[@]}"
SH
chmod +x "$out/ld-wrapper/ld"
for t in ar as nm ranlib strip objdump readelf objcopy; do ln -s "$gcc/bin/$t" "$out/bin/$t"; done
ln -s "$out/ld-wrapper/ld" "$out/bin/ld"
echo "$glibc/lib/$loader" > "$out/nix-support/dynamic-linker"
sed -e "s|@out@|$out|g" "$setupHook" > "$out/nix-support/setup-hook"
