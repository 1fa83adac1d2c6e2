"""Hostile input shapes cost what they should and fail with exit 2 naming the file, never exit 3 or a hang.

Each runs `mach-nix lock` in a subprocess on the small test index; the timeouts are safety nets
(a regression would run for minutes or hours), not assertions about speed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mach_nix.inputs.requirements_txt import strip_comment
from mach_nix.lock_view import MAX_CHAINS  # noqa: F401 - the module must import without the resolver

DATA = Path(__file__).resolve().parents[2] / "data"
INDEX = str(DATA / "index-small")


def lock(tmp_path: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", INDEX, "--offline", "-o", "-", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=timeout)


def refused(done: subprocess.CompletedProcess, *needles: str, status: int = 2) -> str:
    """The one error of a refusal (exit 2 unless ``status``), which names everything in ``needles``."""
    assert done.returncode == status, done.stderr[-2000:]
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert len(done.stderr) < 5000, len(done.stderr)
    for needle in needles:
        assert needle in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize("line, kept", [
    ("six  # pinned", "six  "), ("six#egg", "six#egg"), ("# all", ""), ("six\t#tab", "six\t"),
    ("url#frag # note", "url#frag "), ("a#b#c #d", "a#b#c "), ("", ""),
])
def test_comments_are_stripped_as_pip_does(line: str, kept: str) -> None:
    assert strip_comment(line) == kept
    assert kept.rstrip() == re.sub(r"(^|\s+)#.*$", "", line).rstrip()  # the old regex, up to trailing whitespace


def test_a_megabyte_of_whitespace_in_a_line(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("idna" + " " * 1_000_000 + ">=3  # pinned\n" + "\t" * 1_000_000 + "\n")
    done = lock(tmp_path, "-r", "ok.txt", timeout=120)
    assert done.returncode == 0 and '"idna"' in done.stdout, done.stderr[-2000:]
    (tmp_path / "bad.txt").write_text("idna" + " " * 1_000_000 + "x" * 1_000_000 + "\n")
    refused(lock(tmp_path, "-r", "bad.txt", timeout=120), "bad.txt, line 1", "characters)")


def test_a_hundred_thousand_repeated_roots_are_one(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n" * 50_000 + "IDNA >= 0\n" * 50_000)
    done = lock(tmp_path, "-r", "r.txt")
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"roots": [\n    "idna"\n  ]' in done.stdout


def test_the_budget_counts_from_the_first_byte_read(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n" * 10_000)
    refused(lock(tmp_path, "-r", "r.txt", "--max-seconds", "0.000001"), "while reading the inputs",
            "--max-seconds")


def test_many_distinct_roots_of_one_name_are_merged_into_one(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("".join(f"idna!=0.0.{i}\n" for i in range(20_000)))
    done = lock(tmp_path, "-r", "r.txt")
    assert done.returncode == 0 and '"idna"' in done.stdout, done.stderr[-2000:]
    (tmp_path / "r.txt").write_text("".join(f"idna!=0.0.{i}\n" for i in range(20_000)) + "idna>=99\n")
    message = refused(lock(tmp_path, "-r", "r.txt"), "a release of idna for idna!=0.0.0,!=0.0.1,",
                      "characters)", status=1)  # offline, no idna>=99 in the layers: absent
    assert len(message) < 5000


def test_a_merged_root_names_its_first_lines() -> None:
    from mach_nix.index.view.layers import open_layers
    from mach_nix.inputs.requirements_txt import read_requirement_text
    from mach_nix.resolve.request import build_request
    from mach_nix.resolve.target import Target

    text = "".join(f"idna!=0.0.{i}\n" for i in range(20)) + "idna[x]\n" + "idna!=0.0.0\n" * 5 + "six\n"
    index = open_layers([Path(INDEX)], offline=True)
    try:
        request = build_request(read_requirement_text(text, "r.txt"), index, Target.create(), {}, {})
    finally:
        index.close()
    idna, six = request.roots
    assert (idna.name, idna.extras, len(idna.specifier), six.name) == ("idna", ("x",), 20, "six")
    assert idna.origin == "r.txt, line 1; r.txt, line 2; r.txt, line 3; and 18 more"


def test_a_few_distinct_roots_of_one_name_keep_their_lines(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna>=3\nsix\nidna<2\nidna>=3\n")
    refused(lock(tmp_path, "-r", "r.txt"), "r.txt, line 1: idna>=3\n", "r.txt, line 3: idna<2\n")


def test_absent_names_are_reported_at_once_and_listed_within_bounds(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("".join(f"zz-absent-{i}\n" for i in range(500)) + "idnaa\n")
    done = lock(tmp_path, "-r", "r.txt")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "501 projects are not in" in done.stderr and "… and 451 more" in done.stderr
    assert "'idnaa' (did you mean 'idna'?)" in done.stderr


def test_a_deep_chain_of_includes(tmp_path: Path) -> None:
    for i in range(5000):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / "r5000.txt").write_text("idna\n")
    refused(lock(tmp_path, "-r", "r0.txt"), "r100.txt, line 1", "more than 100 levels deep")
    (tmp_path / "r50.txt").write_text("idna\n")  # 50 levels: fine
    assert lock(tmp_path, "-r", "r0.txt").returncode == 0


@pytest.mark.parametrize("make, needle", [
    (lambda d: Path("/dev/urandom"), "is not a regular file"),
    (lambda d: (os.mkfifo(d / "fifo"), d / "fifo")[1], "is not a regular file"),
    (lambda d: d, "is a directory"),
    (lambda d: (os.truncate(open(d / "big.txt", "w").name, 17 * 1024 * 1024), d / "big.txt")[1],
     "more than the 16,777,216 an input may have"),
])
def test_files_that_are_not_inputs_are_refused(tmp_path: Path, make, needle: str) -> None:
    path = make(tmp_path)
    refused(lock(tmp_path, "-r", str(path), timeout=120), str(path), needle)


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "x"\n# caf\xe9\ndependencies = ["idna"]\n')
    refused(lock(tmp_path, "--pyproject", "pyproject.toml"), "pyproject.toml, line 3, column 6",
            "byte 0xe9 is not valid UTF-8")
    (tmp_path / "r.txt").write_bytes(b"idna\n\xff\n")
    refused(lock(tmp_path, "-r", "r.txt"), "r.txt, line 2, column 1")


def test_deeply_nested_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    refused(lock(tmp_path, "--pyproject", "pyproject.toml"), "pyproject.toml nests arrays or tables too deeply")


def _groups(tmp_path: Path, lines: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = []\n[dependency-groups]\n' + lines)


def test_dependency_group_include_chains_and_cycles(tmp_path: Path) -> None:
    _groups(tmp_path, "".join(f'g{i} = [{{include-group = "g{i + 1}"}}]\n' for i in range(5000)) + 'g5000 = ["idna"]\n')
    refused(lock(tmp_path, "--pyproject", "pyproject.toml", "--group", "g0"), "more than 100 levels deep")
    _groups(tmp_path, "".join(f'g{i} = [{{include-group = "g{(i + 1) % 5000}"}}]\n' for i in range(5000)))
    refused(lock(tmp_path, "--pyproject", "pyproject.toml", "--group", "g0"),
            "include cycle: g0 → g1 → g2 → g3 → g4 → … → g4996 → g4997 → g4998 → g4999 → g0 (5000 groups)")
    _groups(tmp_path, "".join(f'g{i} = [{{include-group = "g{(i + 1) % 50}"}}]\n' for i in range(50)))
    refused(lock(tmp_path, "--pyproject", "pyproject.toml", "--group", "g0"),
            "include cycle: g0 → g1 → g2 → g3 → g4 → … → g46 → g47 → g48 → g49 → g0 (50 groups)")


def test_dependency_groups_included_from_many_places_are_expanded_once(tmp_path: Path) -> None:
    # each group includes the next one twice: 2^60 strings if every include were expanded anew
    _groups(tmp_path, "".join(f'g{i} = ["idna", {{include-group = "g{i + 1}"}}, {{include-group = "g{i + 1}"}}]\n'
                              for i in range(60)) + 'g60 = ["idna>=3"]\n')
    done = lock(tmp_path, "--pyproject", "pyproject.toml", "--group", "g0")
    assert done.returncode == 0 and '"idna"' in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize("args, needle", [
    (["tree", "/dev/urandom"], "Lock file /dev/urandom is not a regular file"),
    (["why", "idna", "/dev/zero"], "Lock file /dev/zero is not a regular file"),
    (["lock", "--from", "/dev/urandom", "--lock-format", "uv"], "Lock file /dev/urandom is not a regular file"),
    (["lock", "--index", INDEX, "--offline", "idna", "--nixpkgs-json", "/dev/urandom"],
     "--nixpkgs-json /dev/urandom is not a regular file"),
])
def test_locks_and_maps_that_are_not_files_are_refused(tmp_path: Path, args: list, needle: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mach_nix", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    refused(done, needle)


def test_a_deeply_nested_foreign_lock(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--from", "uv.lock"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    refused(done, "uv.lock nests arrays or tables too deeply")


def test_suggestions_list_the_index_names_once_and_compare_a_bounded_number() -> None:
    from mach_nix.index.view.layers import open_layers
    from mach_nix.resolve.absent import MAX_SUGGESTED, Suggestions

    index = open_layers([Path(INDEX)], offline=True)
    listed = []

    class Listing:  # the real index, counting how often its names are listed
        def names(self):
            listed.append(1)
            return index.names()

    try:
        similar = Suggestions(Listing())
        assert similar("idnaa") == ["idna"]
        assert [similar(f"zz-absent-{i}") for i in range(100)] == [[]] * 100
        assert similar("idnaa") == []  # past the bound: no more comparisons
        assert len(listed) == 1 and similar.asked == MAX_SUGGESTED
    finally:
        index.close()
