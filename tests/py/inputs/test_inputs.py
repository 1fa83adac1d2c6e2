"""Input readers: requirements.txt (pip's syntax), pyproject.toml (PEP 621/735, Poetry), setup.cfg."""

from __future__ import annotations

from pathlib import Path

import pytest

from mach_nix.errors import MachNixError
from mach_nix.inputs.pyproject import poetry_constraint, read_pyproject, read_setup_cfg
from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements

DATA = Path(__file__).resolve().parents[2] / "data" / "requirements"


def names(items) -> list:
    return [str(i.req) for i in items]


def test_includes_constraints_continuations_and_comments():
    result = read_requirements(DATA / "main.txt")
    assert names(result.requirements) == [
        "idna", "cryptography~=43.0", 'requests[socks]>=2.31; python_version >= "3.8"',
        'pandas; python_version < "3.0"', "dask[complete]==2024.8.0"]
    assert names(result.constraints) == ["numpy<2", 'urllib3!=2.2.3; sys_platform == "darwin"']
    # line numbers point at the first physical line of a continued requirement, files are relative
    requests = result.requirements[2]
    assert (requests.source, requests.line) == (str(DATA / "main.txt"), 6)
    assert result.requirements[0].source.endswith("sub/../common.txt")
    assert [(Path(f.path).name, f.kind) for f in result.files] == [
        ("main.txt", "requirements"), ("base.txt", "requirements"), ("common.txt", "requirements"),
        ("constraints.txt", "constraints")]
    assert all(len(f.sha256) == 64 for f in result.files)
    assert any("--index-url is ignored" in w and "line 4" in w for w in result.warnings)


def test_hashes_are_collected():
    result = read_requirements(DATA / "hashes.txt")
    (item,) = result.requirements
    assert str(item.req) == "certifi==2024.8.30"
    assert len(item.hashes) == 2 and "0" * 64 in item.hashes


def test_malformed_line_names_file_line_and_text():
    with pytest.raises(MachNixError) as err:
        read_requirements(DATA / "bad-line.txt")
    assert "bad-line.txt, line 2" in err.value.message and "'numpy >='" in err.value.message


def test_editable_is_an_error_naming_the_line():
    with pytest.raises(MachNixError, match=r"editable.txt, line 1: editable requirements"):
        read_requirements(DATA / "editable.txt")


def test_missing_include_and_unknown_option():
    with pytest.raises(MachNixError, match="does not exist"):
        read_requirement_text("-r /nonexistent/reqs.txt")
    with pytest.raises(MachNixError, match=r"line 2: unknown or unsupported option"):
        read_requirement_text("idna\n--frobnicate")


def test_urls_paths_and_pre():
    with pytest.raises(MachNixError, match="bare URL or path"):
        read_requirement_text("git+https://github.com/psf/requests")
    with pytest.raises(MachNixError, match="only accepts direct references to PyPI files"):
        read_requirement_text("foo @ file:///tmp/foo")
    direct = read_requirement_text((DATA / "direct.txt").read_text())
    assert direct.requirements[0].req.url.endswith("#sha256=" + direct.requirements[0].req.url[-64:])
    assert read_requirement_text("--pre\nidna").allow_prereleases is True


def test_all_pep440_operators_parse():
    result = read_requirement_text("a~=1.4.2\nb===1.0-legacy\nc==1.*\nd!=2.0,>=1\ne<3 ; extra == 'x'")
    assert [str(r.req.specifier) for r in result.requirements] == ["~=1.4.2", "===1.0-legacy", "==1.*",
                                                                   "!=2.0,>=1", "<3"]


def test_pep621_extras_self_reference_and_groups():
    result = read_pyproject(DATA / "pyproject-pep621.toml", extras=["all"], groups=["dev"])
    assert names(result.requirements) == ["requests>=2.31", "click>=8", "cryptography", "pandas>=2", "toolz",
                                          "packaging"]
    assert result.project_name == "my-app"
    with pytest.raises(MachNixError, match="no optional-dependencies group 'nope'.*known: all, crypto, frames"):
        read_pyproject(DATA / "pyproject-pep621.toml", extras=["nope"])
    with pytest.raises(MachNixError, match="no dependency group 'lint'"):
        read_pyproject(DATA / "pyproject-pep621.toml", groups=["lint"])


def test_pep735_include_cycle(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n')
    with pytest.raises(MachNixError, match="include cycle: a → b → a"):
        read_pyproject(path, groups=["a"])


def test_poetry_translation():
    result = read_pyproject(DATA / "pyproject-poetry.toml", extras=["frames"], groups=["dev"])
    assert names(result.requirements) == [
        "requests<3.0,>=2.31", "idna<3.8,>=3.7", 'click>=8.1; python_full_version >= "3.8"',
        "pandas<3.0,>=2.2", "celery[redis]<6.0,>=5.4", "toolz"]
    without = read_pyproject(DATA / "pyproject-poetry.toml")
    assert "pandas" not in " ".join(names(without.requirements))


@pytest.mark.parametrize("given, expected", [
    ("^1.2.3", ">=1.2.3,<2.0.0"), ("^0.2.3", ">=0.2.3,<0.3.0"), ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("~1.2.3", ">=1.2.3,<1.3.0"), ("~1", ">=1,<2"), ("*", ""), ("1.2.*", "==1.2.*"), ("1.4", "==1.4"),
    (">=2.0 <3.0", ">=2.0,<3.0"), ("~=1.4", "~=1.4"),
])
def test_poetry_constraint(given, expected):
    assert poetry_constraint(given) == expected


def test_poetry_git_dependency_is_an_error():
    with pytest.raises(MachNixError, match="mylib is a git dependency"):
        read_pyproject(DATA / "pyproject-git.toml")


def test_invalid_toml_and_dynamic_dependencies(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[project\nname = 1")
    with pytest.raises(MachNixError, match="not valid TOML"):
        read_pyproject(bad)
    bad.write_text('[project]\nname = "x"\ndynamic = ["dependencies"]\n')
    with pytest.raises(MachNixError, match="dynamic"):
        read_pyproject(bad)


def test_setup_cfg_static(tmp_path):
    result = read_setup_cfg(DATA / "setup.cfg", extras=["yaml"])
    assert names(result.requirements) == ["requests>=2.31", "click", "pyyaml"]
    assert result.requirements[1].line == 7
    dynamic = tmp_path / "setup.cfg"
    dynamic.write_text("[options]\ninstall_requires = file: requirements.txt\n")
    with pytest.raises(MachNixError, match="not static"):
        read_setup_cfg(dynamic)


def test_dependency_group_naming_the_project_itself(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "My_App"\ndependencies = ["requests"]\n'
                    '[project.optional-dependencies]\ntest = ["toolz"]\n'
                    '[dependency-groups]\ndev = ["my-app[test]", "click"]\n')
    assert names(read_pyproject(path, groups=["dev"]).requirements) == ["requests", "click", "toolz"]
