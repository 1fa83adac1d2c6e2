"""Regenerate the small test index (`python3 tests/data/index-small/generate.py`).

Projects, versions, filenames, Requires-Dist and Requires-Python are modelled on real PyPI
releases (trimmed to a few versions and platforms). File hashes are sha256(filename), so they are
stable but not the real ones. Cases covered: environment markers, manylinux_2_28 vs _2_17 and the
legacy aliases, abi3 (cp36-abi3 / cp39-abi3), macOS x86_64/arm64/universal2 and too-new macOS
wheels, yanked files, pre-releases, extras including self-referencing ones (dask[complete]),
dependency cycles (apache-airflow ↔ its providers), requires-python, sdists with pyproject and
legacy build systems, sdists with unknown / not-crawled metadata, and a dependency on a project
absent from the index.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "py"))

from mach_nix.index.schema import deps_key, shard_of  # noqa: E402
from mach_nix.index.store import write_index  # noqa: E402

CREATED_AT = "2026-11-20T00:00:00Z"
X86 = "manylinux_2_17_x86_64.manylinux2014_x86_64"
ARM = "manylinux_2_17_aarch64.manylinux2014_aarch64"

PROJECTS: Dict[str, Dict[str, Any]] = {}


def project(name: str, releases: Dict[str, List[Dict[str, Any]]]) -> None:
    deps: Dict[str, List[str]] = {}
    out: Dict[str, List[Dict[str, Any]]] = {}
    for version, files in releases.items():
        nodes = []
        for spec in files:
            spec = dict(spec)
            filename = spec.pop("filename")
            requires = spec.pop("deps", None)
            sha = hashlib.sha256(filename.encode()).hexdigest()
            node: Dict[str, Any] = {
                "filename": filename,
                "sha256": sha,
                "url": f"https://files.pythonhosted.org/packages/{sha[:2]}/{sha[2:4]}/{sha[4:60]}/{filename}",
                "size": 1000 + len(filename),
                "upload_time": spec.pop("upload_time", "2024-01-01T00:00:00Z"),
            }
            if requires is not None:
                key = deps_key(requires)
                deps[key] = requires
                node["requires_dist"] = key
                node.setdefault("metadata", "pep658" if filename.endswith(".whl") else "pkg-info")
            else:
                node["metadata"] = spec.pop("metadata", "not-crawled")
                if node["metadata"] == "unknown":
                    node["metadata_error"] = "setup.py only, no static metadata"
            node.update(spec)
            nodes.append(node)
        out[version] = sorted(nodes, key=lambda n: n["filename"])
    PROJECTS[name] = {"name": name, "last_serial": 1000 + len(PROJECTS), "deps": deps, "releases": out}


def pure(name: str, version: str, deps: List[str], rp: Optional[str] = None, sdist: bool = True,
         build: Optional[Dict[str, Any]] = None, **extra: Any) -> List[Dict[str, Any]]:
    stem = name.replace("-", "_")
    files = [dict(filename=f"{stem}-{version}-py3-none-any.whl", deps=deps, **extra)]
    if sdist:
        files.append(dict(filename=f"{stem}-{version}.tar.gz", deps=deps,
                          build_system=build or {"requires": ["setuptools>=61"], "backend": "setuptools.build_meta",
                                                 "source": "pyproject"}, **extra))
    if rp:
        for f in files:
            f["requires_python"] = rp
    return files


def wheels(stem: str, version: str, tags: List[str], deps: Optional[List[str]], rp: Optional[str] = None,
           **extra: Any) -> List[Dict[str, Any]]:
    files = []
    for tag in tags:
        f = dict(filename=f"{stem}-{version}-{tag}.whl", deps=deps, **extra)
        if rp:
            f["requires_python"] = rp
        files.append(f)
    return files


def sdist(stem: str, version: str, deps: Optional[List[str]], build: Optional[Dict[str, Any]], rp: Optional[str] = None,
          **extra: Any) -> Dict[str, Any]:
    f = dict(filename=f"{stem}-{version}.tar.gz", deps=deps, **extra)
    if build is not None:
        f["build_system"] = build
    if rp:
        f["requires_python"] = rp
    return f


SETUPTOOLS_BUILD = {"requires": ["setuptools>=61.0"], "backend": "setuptools.build_meta", "source": "pyproject"}
LEGACY_BUILD = {"requires": ["setuptools>=40.8.0", "wheel"], "backend": "setuptools.build_meta:__legacy__",
                "source": "default"}
FLIT_BUILD = {"requires": ["flit_core<4,>=3.2"], "backend": "flit_core.buildapi", "source": "pyproject"}


def cp(py: str, plats: List[str]) -> List[str]:
    return [f"cp{py}-cp{py}-{p}" for p in plats]


def build() -> None:
    # --- requests family ---------------------------------------------------------------------
    req_deps = ["charset-normalizer<4,>=2", "idna<4,>=2.5", "urllib3<3,>=1.21.1", "certifi>=2017.4.17",
                'PySocks!=1.5.7,>=1.5.6; extra == "socks"', 'chardet<6,>=3.0.2; extra == "use-chardet-on-py3"']
    project("requests", {
        "2.31.0": pure("requests", "2.31.0", req_deps, ">=3.7", build=SETUPTOOLS_BUILD,
                       provides_extra=["socks", "use-chardet-on-py3"]),
        "2.32.3": pure("requests", "2.32.3", req_deps, ">=3.8", build=SETUPTOOLS_BUILD,
                       provides_extra=["socks", "use-chardet-on-py3"]),
    })
    project("certifi", {"2024.8.30": pure("certifi", "2024.8.30", [], ">=3.6")})
    cn_tags = cp("311", [X86, ARM, "macosx_10_9_universal2", "macosx_10_9_x86_64", "macosx_11_0_arm64"]) + \
        cp("312", [X86, "macosx_10_9_universal2"])
    project("charset-normalizer", {
        "3.3.2": wheels("charset_normalizer", "3.3.2", cn_tags + ["py3-none-any"], [], ">=3.7.0")
        + [sdist("charset-normalizer", "3.3.2", [], SETUPTOOLS_BUILD, ">=3.7.0")],
    })
    project("idna", {
        "3.7": pure("idna", "3.7", [], ">=3.5", build=FLIT_BUILD),
        "3.8": pure("idna", "3.8", [], ">=3.6", build=FLIT_BUILD),
    })
    project("urllib3", {
        "1.26.20": pure("urllib3", "1.26.20", ['PySocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"'],
                        "!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*,!=3.5.*,>=2.7"),
        "2.2.3": pure("urllib3", "2.2.3", ['pysocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"',
                                           'zstandard>=0.18.0; extra == "zstd"'], ">=3.8"),
        # a yanked release: only an == pin may select it
        "2.3.0": pure("urllib3", "2.3.0", ['pysocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"'], ">=3.9",
                      yanked="Broken proxy support"),
    })
    project("pysocks", {"1.7.1": wheels("PySocks", "1.7.1", ["py3-none-any"], [])
                        + [sdist("PySocks", "1.7.1", [], LEGACY_BUILD)]})
    project("chardet", {"5.2.0": pure("chardet", "5.2.0", [], ">=3.7")})
    PROJECTS["pysocks"]["name"] = "PySocks"

    # --- numpy: per-platform wheels, requires-python, a pre-release, an old sdist-only-for-3.11 release
    np_old = cp("39", [X86, ARM, "macosx_10_9_x86_64"])
    np_126 = cp("311", [X86, ARM, "macosx_10_9_x86_64", "macosx_11_0_arm64"]) + cp("39", [X86])
    np_21 = cp("311", ["manylinux_2_17_x86_64.manylinux2014_x86_64", ARM, "macosx_10_9_x86_64",
                       "macosx_11_0_arm64", "macosx_14_0_arm64", "macosx_14_0_x86_64"])
    np_build = {"requires": ["meson-python>=0.15.0", "Cython>=3.0.6"], "backend": "mesonpy", "source": "pyproject"}
    project("numpy", {
        "1.21.0": wheels("numpy", "1.21.0", np_old, [], ">=3.7")
        + [dict(filename="numpy-1.21.0.zip", deps=[], requires_python=">=3.7",
                build_system={"requires": ["setuptools", "wheel", "Cython>=0.29.21,<3.0"],
                              "backend": "setuptools.build_meta", "source": "pyproject"})],
        "1.26.4": wheels("numpy", "1.26.4", np_126, [], ">=3.9") + [sdist("numpy", "1.26.4", [], np_build, ">=3.9")],
        "2.1.0": wheels("numpy", "2.1.0", np_21, [], ">=3.10") + [sdist("numpy", "2.1.0", [], np_build, ">=3.10")],
        "2.2.0rc1": wheels("numpy", "2.2.0rc1", cp("311", [X86]), [], ">=3.10"),
    })
    project("meson-python", {"0.16.0": pure("meson_python", "0.16.0", [
        "meson>=0.63.3; python_version < \"3.12\"", "pyproject-metadata>=0.7.1", "packaging>=19.0",
        'tomli>=1.0.0; python_version < "3.11"'], ">=3.7", sdist=False)})
    project("meson", {"1.5.2": pure("meson", "1.5.2", [], ">=3.7", sdist=False)})
    project("pyproject-metadata", {"0.8.0": pure("pyproject_metadata", "0.8.0", ["packaging>=19.0"], ">=3.7",
                                                   sdist=False)})
    project("cython", {
        "0.29.37": wheels("Cython", "0.29.37", ["py2.py3-none-any"], []),
        "3.0.11": wheels("Cython", "3.0.11", cp("311", [X86]) + ["py2.py3-none-any"], [],
                         "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7"),
    })
    PROJECTS["cython"]["name"] = "Cython"
    project("packaging", {"24.1": pure("packaging", "24.1", [], ">=3.8", build=FLIT_BUILD)})
    project("tomli", {"2.0.1": pure("tomli", "2.0.1", [], ">=3.7", build=FLIT_BUILD)})
    project("setuptools", {"75.1.0": pure("setuptools", "75.1.0", [], ">=3.8", sdist=False)})
    project("wheel", {"0.44.0": pure("wheel", "0.44.0", [], ">=3.8", sdist=False)})
    project("flit-core", {"3.9.0": pure("flit_core", "3.9.0", [], ">=3.6", sdist=False)})

    # --- scipy: requires-python picks the release per target ---------------------------------
    project("scipy", {
        "1.13.1": wheels("scipy", "1.13.1", cp("39", [X86]) + cp("311", [X86, "macosx_12_0_arm64"]),
                         ["numpy<2.3,>=1.22.4"], ">=3.9"),
        "1.14.1": wheels("scipy", "1.14.1", cp("311", [X86, ARM, "macosx_12_0_arm64", "macosx_14_0_arm64",
                                                      "macosx_10_13_x86_64"]), ["numpy<2.3,>=1.23.5"], ">=3.10"),
    })

    # --- pandas: markers on python_version, tzdata ------------------------------------------
    pandas_deps = ['numpy>=1.22.4; python_version < "3.11"', 'numpy>=1.23.2; python_version == "3.11"',
                   'numpy>=1.26.0; python_version >= "3.12"', "python-dateutil>=2.8.2", "pytz>=2020.1",
                   "tzdata>=2022.7", 'pyarrow>=10.0.1; extra == "pyarrow"', 'pyarrow>=10.0.1; extra == "all"']
    project("pandas", {"2.2.3": wheels("pandas", "2.2.3", cp("311", [X86, ARM, "macosx_10_9_x86_64",
                                                                      "macosx_11_0_arm64"]), pandas_deps, ">=3.9",
                                       provides_extra=["all", "pyarrow"])
                       + [sdist("pandas", "2.2.3", pandas_deps, np_build, ">=3.9")]})
    project("python-dateutil", {"2.9.0.post0": wheels("python_dateutil", "2.9.0.post0", ["py2.py3-none-any"],
                                                      ["six>=1.5"], "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7")})
    project("six", {"1.16.0": wheels("six", "1.16.0", ["py2.py3-none-any"], [], ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*")})
    project("pytz", {"2024.2": wheels("pytz", "2024.2", ["py2.py3-none-any"], [])})
    project("tzdata", {"2024.2": wheels("tzdata", "2024.2", ["py2.py3-none-any"], [], ">=2")})

    # --- pyarrow: 17 has manylinux_2_28 wheels only, 16 has _2_17 ---------------------------
    project("pyarrow", {
        "16.1.0": wheels("pyarrow", "16.1.0", cp("311", [X86, "manylinux_2_28_aarch64", "macosx_10_15_x86_64",
                                                         "macosx_11_0_arm64"]), ["numpy>=1.16.6"], ">=3.8"),
        "17.0.0": wheels("pyarrow", "17.0.0", cp("311", ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64",
                                                         "macosx_10_15_x86_64", "macosx_11_0_arm64"]),
                         ["numpy>=1.16.6"], ">=3.8")
        + [sdist("pyarrow", "17.0.0", ["numpy>=1.16.6"], {"requires": ["cython>=0.29.31", "numpy>=1.25",
                                                                       "setuptools>=64"],
                                                          "backend": "setuptools.build_meta", "source": "pyproject"},
                 ">=3.8")],
    })

    # --- cryptography: abi3, PyPy marker, extras ----------------------------------------------
    crypto_deps = ['cffi>=1.12; platform_python_implementation != "PyPy"', 'bcrypt>=3.1.5; extra == "ssh"']
    project("cryptography", {"43.0.1": wheels("cryptography", "43.0.1", [
        "cp39-abi3-manylinux_2_28_x86_64", "cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp39-abi3-manylinux_2_28_aarch64", "cp39-abi3-macosx_10_9_universal2",
        "cp37-abi3-manylinux_2_28_x86_64", "cp37-abi3-macosx_10_9_universal2"], crypto_deps, ">=3.7",
        provides_extra=["ssh"])})
    project("cffi", {"1.17.1": wheels("cffi", "1.17.1", cp("311", [X86, ARM, "macosx_10_9_x86_64",
                                                                   "macosx_11_0_arm64"]), ["pycparser"], ">=3.8")})
    project("pycparser", {"2.22": pure("pycparser", "2.22", [], ">=3.8")})
    project("bcrypt", {"4.2.0": wheels("bcrypt", "4.2.0", ["cp39-abi3-manylinux_2_28_x86_64",
                                                           "cp39-abi3-macosx_10_12_universal2"], [], ">=3.7")})
    # psutil: cp36-abi3 wheel carrying the manylinux2010 legacy alias only
    project("psutil", {"5.9.8": wheels("psutil", "5.9.8", [
        "cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp36-abi3-macosx_10_9_x86_64", "cp38-abi3-macosx_11_0_arm64"], [],
        ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*")
        + [sdist("psutil", "5.9.8", [], LEGACY_BUILD)]})
    # an old manylinux1-only wheel
    project("simplejson", {"3.19.3": wheels("simplejson", "3.19.3", cp("311", ["manylinux1_x86_64"]), [],
                                            ">=2.5, !=3.0.*, !=3.1.*, !=3.2.*")})

    # --- dask: self-referencing extras ------------------------------------------------------
    dask_deps = ["click>=8.1", "cloudpickle>=3.0.0", "packaging>=20.0", "toolz>=0.10.0",
                 'numpy>=1.21; extra == "array"', 'dask[array]; extra == "dataframe"',
                 'pandas>=2.0; extra == "dataframe"', 'dask[array,dataframe]; extra == "complete"',
                 'pyarrow>=14.0.1; extra == "complete"']
    project("dask", {"2024.8.0": pure("dask", "2024.8.0", dask_deps, ">=3.9",
                                      provides_extra=["array", "complete", "dataframe"])})
    project("click", {"8.1.7": pure("click", "8.1.7", [], ">=3.7")})
    project("cloudpickle", {"3.0.0": pure("cloudpickle", "3.0.0", [], ">=3.8", build=FLIT_BUILD)})
    project("toolz", {"0.12.1": pure("toolz", "0.12.1", [], ">=3.7")})

    # --- apache-airflow ↔ providers: a dependency cycle and extras naming providers -----------
    af_deps = ["apache-airflow-providers-common-sql>=1.3.1", "pendulum<4.0,>=2.1.2", "packaging>=23.0",
               'apache-airflow-providers-celery>=3.3.0; extra == "celery"',
               'apache-airflow[celery]; extra == "all"']
    project("apache-airflow", {
        "2.9.3": pure("apache_airflow", "2.9.3", af_deps, "!=3.9.0,<3.13,>=3.8", provides_extra=["all", "celery"]),
        "2.10.3": pure("apache_airflow", "2.10.3", af_deps, "!=3.9.0,<3.13,>=3.8", provides_extra=["all", "celery"]),
    })
    project("apache-airflow-providers-common-sql", {"1.16.0": pure(
        "apache_airflow_providers_common_sql", "1.16.0", ["apache-airflow>=2.8.0", "sqlparse>=0.4.2"], ">=3.8")})
    project("apache-airflow-providers-celery", {"3.8.1": pure(
        "apache_airflow_providers_celery", "3.8.1", ["apache-airflow>=2.8.0", "celery[redis]!=5.3.2,!=5.3.3,>=5.3.0"],
        ">=3.8")})
    project("pendulum", {
        "3.0.0": wheels("pendulum", "3.0.0", cp("311", [X86, "macosx_10_12_x86_64", "macosx_11_0_arm64"]),
                        ["python-dateutil>=2.6", "tzdata>=2020.1", 'time-machine>=2.6.0; implementation_name != "pypy"'],
                        ">=3.8")
        + [sdist("pendulum", "3.0.0", ["python-dateutil>=2.6", "tzdata>=2020.1"],
                 {"requires": ["maturin>=1.0,<2.0"], "backend": "maturin", "source": "pyproject"}, ">=3.8")],
    })
    project("time-machine", {"2.15.0": wheels("time_machine", "2.15.0", cp("311", [X86, "macosx_10_9_universal2"]),
                                              ["python-dateutil"], ">=3.8")})
    project("sqlparse", {"0.5.1": pure("sqlparse", "0.5.1", [], ">=3.8")})
    project("celery", {"5.4.0": pure("celery", "5.4.0", [
        "kombu<6.0,>=5.3.4", "click<9.0,>=8.1.2", 'tzdata>=2022.7',
        'kombu[redis]; extra == "redis"'], ">=3.8", provides_extra=["redis"])})
    project("kombu", {"5.4.2": pure("kombu", "5.4.2", [
        "amqp<6.0.0,>=5.1.1", 'typing-extensions==4.12.2; python_version < "3.10"',
        'redis!=4.5.5,!=5.0.2,>=4.5.2; extra == "redis"'], ">=3.8", provides_extra=["redis"])})
    project("amqp", {"5.2.0": pure("amqp", "5.2.0", ["vine<6.0.0,>=5.0.0"], ">=3.6")})
    project("vine", {"5.1.0": pure("vine", "5.1.0", [], ">=3.6")})
    project("redis", {
        "5.0.8": pure("redis", "5.0.8", ['async-timeout>=4.0.3; python_full_version < "3.11.3"'], ">=3.7"),
        "5.1.0b7": pure("redis", "5.1.0b7", ['async-timeout>=4.0.3; python_full_version < "3.11.3"'], ">=3.8"),
    })
    project("async-timeout", {"4.0.3": pure("async_timeout", "4.0.3", [], ">=3.7")})
    project("typing-extensions", {"4.12.2": pure("typing_extensions", "4.12.2", [], ">=3.8", build=FLIT_BUILD)})

    # --- pre-release only project, sdists with unknown / not-crawled metadata ------------------
    project("black-nightly", {"24.0a1": pure("black_nightly", "24.0a1", ["click>=8.0.0"], ">=3.8")})
    project("sgmllib3k", {"1.0.0": [sdist("sgmllib3k", "1.0.0", None, None, metadata="unknown")]})
    project("feedparser", {"6.0.11": pure("feedparser", "6.0.11", ["sgmllib3k"], ">=3.6")})
    # docopt: sdist only, deps known from egg-info, legacy build system
    project("docopt", {"0.6.2": [sdist("docopt", "0.6.2", [], LEGACY_BUILD, metadata="egg-info")]})
    # sdist not crawled, but its release has a wheel: the sdist borrows the wheel's Requires-Dist
    project("pyyaml", {"6.0.2": wheels("PyYAML", "6.0.2", cp("311", [X86, "macosx_11_0_arm64"]), [], ">=3.8")
                       + [sdist("pyyaml", "6.0.2", None, None, ">=3.8")]})
    PROJECTS["pyyaml"]["name"] = "PyYAML"
    # depends on a project that is not in the index
    project("broken-dep", {"1.0": pure("broken_dep", "1.0", ["does-not-exist>=1"], ">=3.8")})
    # forces apache-airflow back after its extras were pinned (backtracking over extra-candidates)
    project("zz-needs-old-airflow", {"1.0": pure("zz_needs_old_airflow", "1.0", ["apache-airflow<2.10"], ">=3.8")})
    # a dependency with no release for old Pythons: deep-app 2.0 can never be used on 3.9
    project("deep-app", {"1.0": pure("deep_app", "1.0", [], ">=3.8"),
                         "2.0": pure("deep_app", "2.0", ["deep-lib>=1"], ">=3.8")})
    project("deep-lib", {"1.0": pure("deep_lib", "1.0", ["deep-core"], ">=3.8")})
    project("deep-core", {"1.0": pure("deep_core", "1.0", [], ">=3.10")})
    # conflicting requirements
    project("needs-old-idna", {"1.0": pure("needs_old_idna", "1.0", ["idna<3.8"], ">=3.8")})


def main() -> None:
    build()
    shards: Dict[str, Dict[str, Any]] = {}
    for name, proj in PROJECTS.items():
        shards.setdefault(shard_of(name), {})[name] = proj
    write_index(HERE, shards, "json", created_at=CREATED_AT, pypi_serial=25000000,
                extra={"scope": {"source": "tests/data/index-small/generate.py"}})


if __name__ == "__main__":
    main()
