"""The packaging-free fast paths of a lock agree with packaging: simple markers and simple requirements."""

import subprocess
import sys

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from mach_nix.inputs.requirements_txt import parse_requirement, simple_requirement
from mach_nix.resolve.requirements import parse_dependency, parse_marker
from mach_nix.resolve.target import SimpleMarker, Target, simple_marker

MARKERS = [
    'python_version < "3.10"', "python_version>='3.9'", 'python_full_version >= "3.11.3"', 'python_version == "3.*"',
    'python_full_version === "3.11.13"', 'python_version ~= "3.10"', 'python_version != "3.11"', 'python_version > "3"',
    'sys_platform == "win32"', "sys_platform != 'darwin'", 'platform_machine == "x86_64" or platform_machine == "arm64"',
    'platform_system == "Linux" and platform_machine != "aarch64"', 'implementation_name == "cpython"',
    'platform_python_implementation != "PyPy" and python_version < "3.13"', 'os_name == "nt"',
    '"linux" in sys_platform', '"win" not   in sys_platform', 'platform_machine not in "arm64|aarch64|s390x"',
    'python_version in "3.10 3.11"', 'extra == "Dev_X"', 'extra != "test"', '(python_version < "3.9") and extra == "dev"',
    'extra == "dev" and ( python_version >= "3.8" and python_version < "3.12")',
    '(sys_platform != "darwin" or platform_machine != "arm64") and extra == "tests"',
    '((python_version >= "3.8" and (sys_platform == "linux" or os_name == "nt")) or implementation_name == "pypy")',
]
# shapes left to packaging: other variables, operators without a version meaning, invalid specifiers
FALLBACK = ['platform_release >= "5"', 'os.name == "nt"', 'python_version ~= "3"', 'python_version == ""',
            'sys_platform < "z"', '"3.8" < python_version', 'platform_version == "x"']
INVALID = ['python_version < "3.8" and', 'and python_version < "3.8"', '(python_version < "3.8"',
           'python_version < "3.8")', "python_version < 3.8", 'python_version >= "3" or or sys_platform == "x"']
TARGETS = [Target.create(python, system) for python in ("3.8", "3.11", "3.13")
           for system in ("x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin")]


@pytest.mark.parametrize("text", MARKERS)
def test_simple_markers_evaluate_as_packaging_does(text):
    simple = simple_marker(text)
    assert isinstance(simple, SimpleMarker)
    marker = Marker(text)
    for target in TARGETS:
        for extra in ("", "dev", "tests", "dev-x"):
            env = dict(target.environment, extra=extra)
            assert simple.evaluate(env) == marker.evaluate(env), (target.python, target.system, extra)


@pytest.mark.parametrize("text", FALLBACK + INVALID)
def test_other_markers_are_left_to_packaging(text):
    assert simple_marker(text) is None


def test_parse_marker_takes_the_fast_path_first():
    assert parse_marker('extra == "x"') == ("extra", "x")
    assert isinstance(parse_marker('python_version < "3.10"'), SimpleMarker)
    assert isinstance(parse_marker('platform_release >= "5"'), Marker)


REQUIREMENTS = ["django", "Django>=4.2", "celery[redis]", "Celery[redis, auth] >=5, <6", "a==1.*", "e===1.0-x",
                "zope.interface", "foo_bar-baz>=1.0.0rc1", "x ~= 1.4.2", "x==2!1.0+local.1", "x!=1.0,!=2.0",
                "apache-airflow[celery,postgres,amazon,google]", "a[B.c]==1", "x>1.0.dev0"]


@pytest.mark.parametrize("text", REQUIREMENTS)
def test_simple_requirements_read_as_packaging_reads_them(text):
    simple, req = simple_requirement(text), Requirement(text)
    assert simple is not None
    assert (str(simple), simple.name, simple.extras, simple.specifier, simple.url, simple.marker) == (
        str(req), req.name, req.extras, req.specifier, req.url, req.marker)


@pytest.mark.parametrize("text", ["requests[]", "x>=1,", "x (>=1)", "x>=1 ; python_version<'3'",
                                  "n @ https://a/b-1.0.whl", "x>=1.0 foo", "x>=", "x[a b]", "x<=1.0+local"])
def test_other_requirements_go_through_packaging(text):
    assert simple_requirement(text) is None


def test_parse_requirement_still_reports_invalid_lines():
    from mach_nix.errors import MachNixError

    with pytest.raises(MachNixError, match="line 3"):
        parse_requirement("x>=1.0 foo", "requirements.txt, line 3")


def test_a_lock_of_simple_markers_does_not_import_packaging_markers():
    code = ("import sys\n"
            "from mach_nix.inputs.requirements_txt import parse_requirement\n"
            "from mach_nix.resolve.requirements import parse_dependency\n"
            "parse_requirement('celery[redis]>=5', 'x')\n"
            "name, extras, spec, marker = parse_dependency('idna<4; python_version < \"3.10\" and sys_platform != \"win32\"')\n"
            "assert not marker.evaluate(dict(python_version='3.11', sys_platform='linux', extra=''))\n"
            "assert 'packaging.markers' not in sys.modules and 'packaging.requirements' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dependencies_with_simple_markers_parse_as_before():
    name, extras, spec, marker = parse_dependency('d (>=1.0,<2.0) ; python_version >= "3.6" and extra == "x"')
    assert (name, extras, str(spec)) == ("d", (), "<2.0,>=1.0")
    env = dict(TARGETS[0].environment, extra="x")
    assert marker.evaluate(env) and not marker.evaluate(dict(env, extra=""))


INVALID_SPECIFIERS = ["pytz (>dev)", "x>=1.0.*", "a (== 1.0 beta)", "b<=>1", "c (>=1.0.*) ; python_version < '3'"]


@pytest.mark.parametrize("text", INVALID_SPECIFIERS)
def test_dependencies_with_invalid_specifiers_are_refused_as_packaging_refuses_them(text):
    with pytest.raises(ValueError):
        Requirement(text)
    assert parse_dependency(text) is None


def test_refusing_an_invalid_specifier_does_not_import_packaging_requirements():
    code = ("import sys\n"
            "from mach_nix.resolve.requirements import parse_dependency\n"
            "assert parse_dependency('pytz (>dev)') is None\n"
            "assert 'packaging.requirements' not in sys.modules, 'imported packaging.requirements'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
