# The shim's package set (nixpkgs: pkgs/top-level/python-packages.nix): real PyPI files pinned
# by hash. Several packages are deliberately OLDER than what a fresh lock picks (requests, idna,
# urllib3, certifi, charset-normalizer), so mach-nix's overriding is exercised; `requests` and
# `idna` use `rec`, so overriding `version` alone leaves `src` (and thus the built version) as is.
# `release`: the parsed python/releases/<release>.json (the build machinery's versions and files).
{ lib, fetchurl, release }:
self: super: with self;
let
  # A package built from one pinned PyPI wheel, as nixpkgs' `format = "wheel"` expressions are;
  # `manylinux` wheels get autoPatchelfHook and the manylinux2014 libraries.
  pypiWheel = pname: version: { url, sha256, dependencies ? [ ], imports ? [ ], manylinux ? false, passthru ? { }, libs ? [ ] }:
    callPackage ({ buildPythonPackage, fetchurl, autoPatchelfHook, pythonManylinuxPackages }: buildPythonPackage ({
      inherit pname version dependencies passthru;
      format = "wheel";
      src = fetchurl { inherit url sha256; };
      pythonImportsCheck = imports;
      doCheck = false;
    } // lib.optionalAttrs manylinux {
      nativeBuildInputs = [ autoPatchelfHook ];
      buildInputs = pythonManylinuxPackages.manylinux2014 ++ libs;
    })) { };
  # A package built from one pinned PyPI sdist (pyproject, flit-core by default).
  pypiSdist = pname: version: { url, sha256, dependencies ? [ ], imports ? [ ], build-system ? [ self.flit-core ] }:
    callPackage ({ buildPythonPackage, fetchurl }: buildPythonPackage {
      inherit pname version dependencies build-system;
      pyproject = true;
      src = fetchurl { inherit url sha256; };
      pythonImportsCheck = imports;
      doCheck = false;
    }) { };
  # The pinned file for this interpreter's CPython minor version.
  forPython = files: files.${python.pythonVersion} or (throw
    "nixpkgs-shim: no pinned wheel for CPython ${python.pythonVersion} (pinned: ${lib.concatStringsSep ", " (lib.attrNames files)}); add one with tests/nix/tools/pypi_pin.py");
  # nixpkgs' build machinery (flit-core, packaging, wheel, installer, pyproject-hooks, build,
  # setuptools, hatchling and what hatchling needs at run time) at the versions this release ships,
  # from the release table. The bootstrap packages among them are built from their sdists with
  # flit-core (flit-core builds itself) and, because of their pnames, with the builder's bootstrap
  # hooks, as nixpkgs does; the others are their wheels. `dependencies` name packages of the set.
  machinery = lib.mapAttrs (name: e:
    let common = { inherit (e) url sha256 imports; dependencies = map (d: self.${d}) e.dependencies; }; in
    if e.format == "sdist" then pypiSdist name e.version (common // { build-system = lib.optional (name != "flit-core") self.flit-core; })
    else pypiWheel name e.version common) release.packages;
in
machinery // {
  # Not a package: what the builder gives nixpkgs' bootstrap packages (nixpkgs: bootstrap.build,
  # bootstrap.installer, … built without the hooks; here the unpacked wheels of those tools).
  bootstrap = { tools = pkgs.pythonBootstrapTools; };
  resolvelib = pypiWheel "resolvelib" "1.0.1" {
    url = "https://files.pythonhosted.org/packages/d2/fc/e9ccf0521607bcd244aa0b3fbd574f71b65e9ce6a112c83af988bbbe2e23/resolvelib-1.0.1-py2.py3-none-any.whl";
    sha256 = "d2da45d1a8dfee81bdd591647783e340ef3bcb104b54c383f70d422ef5cc7dbf";
    imports = [ "resolvelib" ];
  };
  # Extension modules: one wheel per CPython minor version the shim's host may have.
  orjson = pypiWheel "orjson" "3.10.12" (forPython {
    "3.11" = {
      url = "https://files.pythonhosted.org/packages/98/7e/8d5835449ddd873424ee7b1c4ba73a0369c1055750990d824081652874d6/orjson-3.10.12-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "362d204ad4b0b8724cf370d0cd917bb2dc913c394030da748a3bb632445ce7c4";
    };
    "3.12" = {
      url = "https://files.pythonhosted.org/packages/47/d4/05133d6bea24e292d2f7628b1e19986554f7d97b6412b3e51d812e38db2d/orjson-3.10.12-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "910fdf2ac0637b9a77d1aad65f803bac414f0b06f720073438a7bd8906298192";
    };
    "3.13" = {
      url = "https://files.pythonhosted.org/packages/2e/77/55835914894e00332601a74540840f7665e81f20b3e2b9a97614af8565ed/orjson-3.10.12-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "accfe93f42713c899fdac2747e8d0d5c659592df2792888c6c5f829472e4f85e";
    };
  } // { imports = [ "orjson" ]; manylinux = true; });
  # lz4 4.3.3 has no cp313 wheel; 4.4.3 is the first release with one.
  lz4 = let w = forPython {
    "3.11" = {
      version = "4.3.3";
      url = "https://files.pythonhosted.org/packages/cf/d4/12915eb3083dfd1746d50b71b73334030b129cd25abbed9133dd2d413c21/lz4-4.3.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "0e9c410b11a31dbdc94c05ac3c480cb4b222460faf9231f12538d0074e56c563";
    };
    "3.12" = {
      version = "4.3.3";
      url = "https://files.pythonhosted.org/packages/d9/93/4a7e489156fa7ded03ba9cde4a8ca7f373672b5787cac9a0391befa752a1/lz4-4.3.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "bca8fccc15e3add173da91be8f34121578dc777711ffd98d399be35487c934bf";
    };
    "3.13" = {
      version = "4.4.3";
      url = "https://files.pythonhosted.org/packages/d9/18/379429ec69468ee57e1641dc4e1aa324a39510f2ab4d9991a036fc3e74ad/lz4-4.4.3-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "61e08d84e3bf8ca9f43dc6b33f8cd7ba19f49864e2c91eb2160f83b6f9a268fa";
    };
  }; in pypiWheel "lz4" w.version (removeAttrs w [ "version" ] // { imports = [ "lz4.frame" ]; manylinux = true; });
  urllib3 = pypiWheel "urllib3" "1.26.13" {
    url = "https://files.pythonhosted.org/packages/65/0c/cc6644eaa594585e5875f46f3c83ee8762b647b51fc5b0fb253a242df2dc/urllib3-1.26.13-py2.py3-none-any.whl";
    sha256 = "47cc05d99aaa09c9e72ed5809b60e7ba354e64b59c9c173ac3018642d8bb41fc";
    imports = [ "urllib3" ];
  };
  certifi = pypiWheel "certifi" "2022.12.7" {
    url = "https://files.pythonhosted.org/packages/71/4c/3db2b8021bd6f2f0ceb0e088d6b2d49147671f25832fb17970e9b583d742/certifi-2022.12.7-py3-none-any.whl";
    sha256 = "4ad3232f5e926d6718ec31cfc1fcadfde020920e278684144551c91769c7bc18";
  };
  charset-normalizer = pypiWheel "charset-normalizer" "2.1.1" {
    url = "https://files.pythonhosted.org/packages/db/51/a507c856293ab05cdc1db77ff4bc1268ddd39f29e7dc4919aa497f0adbec/charset_normalizer-2.1.1-py3-none-any.whl";
    sha256 = "83e9a75d1911279afd89352c68b45348559d1fc0506b054b346651b5e7fee29f";
  };
  # Recipes written for their own version, as nixpkgs' are (behaviours sheet, section 2): each
  # carries one part that does not fit another version of the project.
  # From the sdist, built with flit-core, like nixpkgs does.
  idna = callPackage ({ buildPythonPackage, fetchurl, flit-core }: buildPythonPackage rec {
    pname = "idna";
    version = "3.4";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/8b/e1/43beb3d38dba6cb420cefa297822eac205a277ab43e5ba5d5c46faf96438/idna-3.4.tar.gz"; sha256 = "814f528e8dead7d329833b91c5faa87d60bf71824cd12a7530b5526063d02cb4"; };
    build-system = [ flit-core ];
    pythonImportsCheck = [ "idna" ];
    doCheck = false;
  }) { };
  # A patch made for 0.6.0.
  pyasn1 = callPackage ({ buildPythonPackage, fetchurl, setuptools }: buildPythonPackage rec {
    pname = "pyasn1";
    version = "0.6.0";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/4a/a3/d2157f333900747f20984553aca98008b6dc843eb62f3a36030140ccec0d/pyasn1-0.6.0.tar.gz"; sha256 = "3a35ab2c4b5ef98e17dfdec8ab074046fbda76e281c5a706ccd82328cfc8f64c"; };
    patches = [ ./patches/pyasn1-0.6.0-version.patch ];
    build-system = [ setuptools ];
    pythonImportsCheck = [ "pyasn1" ];
    doCheck = false;
  }) { };
  # `substituteInPlace --replace-fail` on text of this version only.
  toml = callPackage ({ buildPythonPackage, fetchurl, setuptools }: buildPythonPackage rec {
    pname = "toml";
    version = "0.10.1";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/da/24/84d5c108e818ca294efe7c1ce237b42118643ce58a14d2462b3b2e3800d5/toml-0.10.1.tar.gz"; sha256 = "926b612be1e5ce0634a2ca03470f95169cf16f939018233a670519cb4ac58b0f"; };
    postPatch = ''
      substituteInPlace toml/__init__.py --replace-fail '__version__ = "0.10.1"' '__version__ = "0.10.1"  # nixpkgs-shim'
    '';
    build-system = [ setuptools ];
    pythonImportsCheck = [ "toml" ];
    doCheck = false;
  }) { };
  # A Rust-extension-style recipe: `cargoDeps` computed from its own `src` inside `rec`, with a
  # fixed-output hash, checked by cargoSetupHook against the unpacked source.
  pyparsing = callPackage ({ buildPythonPackage, fetchurl, flit-core, rustPlatform }: buildPythonPackage rec {
    pname = "pyparsing";
    version = "3.1.4";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/83/08/13f3bce01b2061f2bbd582c9df82723de943784cf719a35ac886c652043a/pyparsing-3.1.4.tar.gz"; sha256 = "f86ec8d1a83f11977c9a6ea7598e8c27fc5cddfa5b07ea2241edbbde1d7bc032"; };
    cargoDeps = rustPlatform.fetchCargoVendor { inherit src; hash = "sha256-C9gMYlXcJ7TQq9e5bjg424K0qSG+jCE66gb3XUbrxu8="; };
    nativeBuildInputs = [ rustPlatform.cargoSetupHook ];
    build-system = [ flit-core ];
    pythonImportsCheck = [ "pyparsing" ];
    doCheck = false;
  }) { };
  # A GitHub checkout of a monorepo with the Python project in python/ (nixpkgs: fetchFromGitHub's
  # `source` directory and `sourceRoot = "${src.name}/python"`; GitHub is not reachable here, so the
  # checkout is laid out from the release's sdist).
  cachetools = callPackage ({ buildPythonPackage, fetchurl, runCommand, setuptools }: buildPythonPackage rec {
    pname = "cachetools";
    version = "5.4.0";
    pyproject = true;
    src = runCommand "source" {
      sdist = fetchurl { url = "https://files.pythonhosted.org/packages/a7/3f/ea907ec6d15f68ea7f381546ba58adcb298417a59f01a2962cb5e486489f/cachetools-5.4.0.tar.gz"; sha256 = "b8adc2e7c07f105ced7bc56dbb6dfbe7c4a00acce20e2227b3f355be89bc6827"; };
    } "mkdir -p $out/python; tar xf $sdist --strip-components=1 -C $out/python";
    sourceRoot = "${src.name}/python";
    build-system = [ setuptools ];
    pythonImportsCheck = [ "cachetools" ];
    doCheck = false;
  }) { };
  # An explicit `format = "setuptools"`: the build hook runs this version's setup.py.
  decorator = callPackage ({ buildPythonPackage, fetchurl }: buildPythonPackage rec {
    pname = "decorator";
    version = "5.1.1";
    format = "setuptools";
    src = fetchurl { url = "https://files.pythonhosted.org/packages/66/0c/8d907af351aa16b42caae42f9d6aa37b900c67308052d10fdce809f8d952/decorator-5.1.1.tar.gz"; sha256 = "637996211036b6385ef91435e4fae22989472f9d571faba8927ba8253acbc330"; };
    pythonImportsCheck = [ "decorator" ];
    doCheck = false;
  }) { };
  # meta checks (pkgs/stdenv/generic/check-meta.nix) refuse these recipes' own versions; the
  # projects' other releases are fine.
  wcwidth = callPackage ({ buildPythonPackage, fetchurl, setuptools }: buildPythonPackage rec {
    pname = "wcwidth";
    version = "0.2.12";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/d7/12/63deef355537f290d5282a67bb7bdd165266e4eca93cd556707a325e5a24/wcwidth-0.2.12.tar.gz"; sha256 = "f01c104efdf57971bcb756f054dd58ddec5204dd15fa31d6503ea57947d97c02"; };
    build-system = [ setuptools ];
    doCheck = false;
    meta.broken = true;
  }) { };
  pycparser = callPackage ({ buildPythonPackage, fetchurl, setuptools }: buildPythonPackage rec {
    pname = "pycparser";
    version = "2.21";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/5e/0b/95d387f5f4433cb0f53ff7ad859bd2c6051051cebbb564f139a999ab46de/pycparser-2.21.tar.gz"; sha256 = "e644fdec12f7872f86c58ff790da456218b10f863970249516d60a5eaca77206"; };
    build-system = [ setuptools ];
    doCheck = false;
    meta.badPlatforms = [ "x86_64-linux" "aarch64-linux" ];
  }) { };
  # Recipes read their inputs' passthru (behaviours sheet, section 3): scipy, pyside6, torch read
  # `numpy.coreIncludeDir`; torchvision, xformers, … read `torch.cudaSupport` and friends. The set
  # has versioned attributes (numpy_1, numpy_2) and `numpy = numpy_2`.
  numpy_2 = let drv = pypiWheel "numpy" "2.1.3" (forPython {
    "3.11" = {
      url = "https://files.pythonhosted.org/packages/7a/f0/80811e836484262b236c684a75dfc4ba0424bc670e765afaa911468d9f39/numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "bc6f24b3d1ecc1eebfbf5d6051faa49af40b03be1aaa781ebdadcbc090b4539b";
    };
    "3.12" = {
      url = "https://files.pythonhosted.org/packages/9e/3e/3757f304c704f2f0294a6b8340fcf2be244038be07da4cccf390fa678a9f/numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "2312b2aa89e1f43ecea6da6ea9a810d06aae08321609d8dc0d0eda6d946a541b";
    };
    "3.13" = {
      url = "https://files.pythonhosted.org/packages/70/50/73f9a5aa0810cdccda9c1d20be3cbe4a4d6ea6bfd6931464a44c95eef731/numpy-2.1.3-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
      sha256 = "5641516794ca9e5f8a4d17bb45446998c6554704d888f86df9b200e66bdcce56";
    };
  } // { imports = [ "numpy" ]; manylinux = true; libs = [ pkgs.zlib ]; passthru = {
    # nixpkgs' numpy passthru (python-modules/numpy/2.nix): blas, blasImplementation, cfg,
    # coreIncludeDir.
    coreIncludeDir = "${drv}/${python.sitePackages}/numpy/_core/include";
    inherit (pkgs) blas;
    blasImplementation = pkgs.blas.implementation;
    cfg = pkgs.writeText "site.cfg" "[${pkgs.blas.implementation}]\nlibrary_dirs = ${pkgs.blas}/lib\n";
  }; }); in drv;
  numpy = numpy_2;
  # nixpkgs builds torch from source; this machine cannot, so the stand-in is marked broken: its
  # passthru can be read, its derivation not instantiated (as nixpkgs' is with cudaSupport on an
  # unfree-refusing config).
  torch = callPackage ({ buildPythonPackage }: buildPythonPackage {
    pname = "torch";
    version = "2.5.1";
    format = "other";
    dontUnpack = true;
    # nixpkgs' torch passthru (python-modules/torch/source/default.nix): the CUDA/ROCm configuration,
    # the C++ development output, the GPU target list and the stdenv it was built with.
    passthru = {
      cudaSupport = false; rocmSupport = false; cudaPackages = { }; cudaCapabilities = [ ];
      gpuTargetString = ""; inherit stdenv;
      cxxdev = pkgs.runCommand "torch-2.5.1-cxxdev" { } "mkdir -p $out/include/torch $out/share/cmake/Torch";
    };
    meta.broken = true;
  }) { };
  # Consumers (fictional projects, nixpkgs-style recipes): the first compiles against
  # numpy.coreIncludeDir (the headers must be there), the second names `numpy_2`, the third
  # configures itself from torch's passthru.
  numpy-headers-consumer = callPackage ({ buildPythonPackage, numpy }: buildPythonPackage {
    pname = "numpy-headers-consumer";
    version = "1.0";
    format = "other";
    dontUnpack = true;
    dependencies = [ numpy ];
    installPhase = ''
      test -f ${numpy.coreIncludeDir}/numpy/ndarrayobject.h
      mkdir -p $out/${python.sitePackages}
      echo 'INCLUDE = "${numpy.coreIncludeDir}"' > $out/${python.sitePackages}/numpy_headers_consumer.py
    '';
  }) { };
  # scikit-learn builds against the BLAS numpy was configured with: `buildInputs = [ numpy.blas ]`.
  numpy-blas-consumer = callPackage ({ buildPythonPackage, numpy }: buildPythonPackage {
    pname = "numpy-blas-consumer";
    version = "1.0";
    format = "other";
    dontUnpack = true;
    dependencies = [ numpy ];
    buildInputs = [ numpy.blas ];
    BLAS = numpy.blasImplementation;
    installPhase = ''
      test -e ${numpy.blas}/lib/libblas.so.3 && test -f ${numpy.cfg}
      mkdir -p $out/${python.sitePackages}
      echo "BLAS = '$BLAS'" > $out/${python.sitePackages}/numpy_blas_consumer.py
    '';
  }) { };
  numpy2-consumer = callPackage ({ buildPythonPackage, numpy_2 }: buildPythonPackage {
    pname = "numpy2-consumer";
    version = "1.0";
    format = "other";
    dontUnpack = true;
    dependencies = [ numpy_2 ];
    installPhase = "mkdir -p $out/${python.sitePackages}; echo 'import numpy' > $out/${python.sitePackages}/numpy2_consumer.py";
  }) { };
  # torchvision/torchaudio read torch.cxxdev (headers and CMake files to build against),
  # torch.gpuTargetString and torch.stdenv.cc.isClang besides the CUDA flags.
  torch-consumer = callPackage ({ buildPythonPackage, lib, torch }: buildPythonPackage {
    pname = "torch-consumer";
    version = "1.0";
    format = "other";
    dontUnpack = true;
    dependencies = [ torch ];
    buildInputs = [ torch.cxxdev ];
    TORCH_CUDA_ARCH_LIST = torch.gpuTargetString;
    CLANG = lib.boolToString torch.stdenv.cc.isClang;
    CUDA = if torch.cudaSupport then "cuda ${toString torch.cudaCapabilities}" else "cpu";
    installPhase = "mkdir -p $out/${python.sitePackages}; echo \"DEVICE = '$CUDA'\" > $out/${python.sitePackages}/torch_consumer.py";
  }) { };
  # A modern recipe with a native tool in `build-system` only (numpy's: cython gfortran meson-python
  # pkg-config): a fresh build of another version needs the tool as much as this one.
  native-tool-user = callPackage ({ buildPythonPackage, fetchurl, setuptools, pkg-config }: buildPythonPackage {
    pname = "native-tool-user";
    version = "1.0";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/d6/54/cfe61301667036ec958cb99bd3efefba235e65cdeb9c84d24a8293ba1d90/mdurl-0.1.2.tar.gz"; sha256 = "bb413d29f5eea38f31dd4754dd7377d4465116fb207585f97bf925588687c1ba"; };
    build-system = [ setuptools pkg-config ];
    meta.broken = true;  # its own src is a stand-in: only its inputs are read
  }) { };
  # A Rust extension's recipe (cryptography, orjson, pydantic-core, tokenizers): the compilers, and
  # the hooks that build from this version's vendored crates (`cargoDeps`).
  rusty-ext = callPackage ({ buildPythonPackage, fetchurl, rustPlatform, cargo, rustc }: buildPythonPackage rec {
    pname = "rusty-ext";
    version = "1.0";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/d6/54/cfe61301667036ec958cb99bd3efefba235e65cdeb9c84d24a8293ba1d90/mdurl-0.1.2.tar.gz"; sha256 = "bb413d29f5eea38f31dd4754dd7377d4465116fb207585f97bf925588687c1ba"; };
    cargoDeps = rustPlatform.fetchCargoVendor { inherit src; hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; };
    nativeBuildInputs = [ rustPlatform.cargoSetupHook rustPlatform.maturinBuildHook cargo rustc ];
    meta.broken = true;  # its own src is a stand-in: only its inputs are read
  }) { };
  # The target of the `cchardet` alias (aliases.nix): another project, at a version PyPI's cchardet
  # also has.
  faust-cchardet = callPackage ({ buildPythonPackage, fetchurl, setuptools }: buildPythonPackage {
    pname = "faust-cchardet";
    version = "2.1.7";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/d6/54/cfe61301667036ec958cb99bd3efefba235e65cdeb9c84d24a8293ba1d90/mdurl-0.1.2.tar.gz"; sha256 = "bb413d29f5eea38f31dd4754dd7377d4465116fb207585f97bf925588687c1ba"; };
    build-system = [ setuptools ];
    meta.broken = true;  # its src is a stand-in: never the lock's cchardet
  }) { };
  # A function-form recipe (nixpkgs R25.05+: cryptography, jinja2, …): attributes computed from
  # `finalAttrs`, so `src` follows an overridden version.
  tomli = callPackage ({ buildPythonPackage, fetchurl, flit-core }: buildPythonPackage (finalAttrs: {
    pname = "tomli";
    version = "2.0.1";
    pyproject = true;
    src = fetchurl {
      url = {
        "2.0.1" = "https://files.pythonhosted.org/packages/c0/3f/d7af728f075fb08564c5949a9c95e44352e23dee646869fa104a3b2060a3/tomli-2.0.1.tar.gz";
        "2.0.2" = "https://files.pythonhosted.org/packages/35/b9/de2a5c0144d7d75a57ff355c0c24054f965b2dc3036456ae03a51ea6264b/tomli-2.0.2.tar.gz";
      }.${finalAttrs.version};
      sha256 = {
        "2.0.1" = "de526c12914f0c550d15924c62d72abc48d6fe7364aa87328337a31007fe8a4f";
        "2.0.2" = "d46d457a85337051c36524bc5349dd91b1877838e2979ac5ced3e710ed8a60ed";
      }.${finalAttrs.version};
    };
    build-system = [ flit-core ];
    postPatch = "echo '# nixpkgs-shim recipe' >> $(find . -path '*/tomli/__init__.py' | head -n1)";
  })) { };
  # `disabled` for this interpreter (nixpkgs: e.g. numpy 2.x's `pythonOlder "3.11"`); an older
  # release of the project would support it.
  mdurl = callPackage ({ buildPythonPackage, fetchurl, flit-core, pythonOlder }: buildPythonPackage rec {
    pname = "mdurl";
    version = "0.1.2";
    pyproject = true;
    disabled = pythonOlder "3.99";
    src = fetchurl { url = "https://files.pythonhosted.org/packages/d6/54/cfe61301667036ec958cb99bd3efefba235e65cdeb9c84d24a8293ba1d90/mdurl-0.1.2.tar.gz"; sha256 = "bb413d29f5eea38f31dd4754dd7377d4465116fb207585f97bf925588687c1ba"; };
    build-system = [ flit-core ];
    doCheck = false;
  }) { };
  # An older-style recipe with its build tool in nativeBuildInputs: it stays at nixpkgs' version
  # and comes first on PYTHONPATH, before anything appended to build-system later.
  typing-extensions = callPackage ({ buildPythonPackage, fetchurl, flit-core }: buildPythonPackage rec {
    pname = "typing-extensions";
    version = "4.12.2";
    pyproject = true;
    src = fetchurl { url = "https://files.pythonhosted.org/packages/df/db/f35a00659bc03fec321ba8bce9420de607a1d37f8342eee1863174c69557/typing_extensions-4.12.2.tar.gz"; sha256 = "1a7ead55c7e559dd4dee8856e3a88b41225abfe1ce8df57b7c13915fe121ffb8"; };
    nativeBuildInputs = [ flit-core ];
    pythonImportsCheck = [ "typing_extensions" ];
    doCheck = false;
  }) { };
  requests = callPackage ({ buildPythonPackage, fetchurl, certifi, charset-normalizer, idna, urllib3 }: buildPythonPackage rec {
    pname = "requests";
    version = "2.28.1";
    format = "wheel";
    src = fetchurl { url = "https://files.pythonhosted.org/packages/ca/91/6d9b8ccacd0412c08820f72cebaa4f0c0441b5cda699c90f618b6f8a1b42/requests-2.28.1-py3-none-any.whl"; sha256 = "8fefa2a1a1365bf5520aac41836fbee479da67864514bdb821f31ce07ce65349"; };
    dependencies = [ certifi charset-normalizer idna urllib3 ];
    pythonImportsCheck = [ "requests" ];
    doCheck = false;
  }) { };
}
