"""Bad input, absent projects, impossible resolutions, interrupts and bugs: one paragraph on stderr,
never a traceback, and the exit status documented in mach_nix.errors (and the README)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.errors import EXIT_ABSENT, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from mach_nix.index.storage.store import Index

DATA = Path(__file__).resolve().parents[2] / "data"
INDEX = str(DATA / "index-small")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def one_paragraph(stderr: str) -> str:
    """The error paragraph; fails on a traceback or on more than one error."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def sha256_of(name: str, filename: str) -> str:
    project = Index.open(INDEX).project(name)
    return next(f["sha256"] for files in project["releases"].values() for f in files if f["filename"] == filename)


# --- exit statuses -----------------------------------------------------------------------------


def test_exit_status_bad_input_unknown_python(tmp_path):
    done = cli("lock", "--index", INDEX, "idna", "--python", "3.99", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT == 2
    message = one_paragraph(done.stderr)
    assert "'3.99' is not a CPython version mach-nix knows" in message and "3.8, 3.9" in message and "3.15" in message
    assert not (tmp_path / "mach-nix.lock.json").exists()


def test_exit_status_absent_project(tmp_path):
    done = cli("lock", "--index", INDEX, "surely-not-a-project-xyz", cwd=tmp_path)
    assert done.returncode == EXIT_ABSENT == 1
    assert "surely-not-a-project-xyz" in one_paragraph(done.stderr)


def test_exit_status_impossible_resolution(tmp_path):
    done = cli("lock", "--index", INDEX, "needs-old-idna", "idna>=3.8", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT == 2
    assert one_paragraph(done.stderr).startswith("error: No set of packages satisfies the requirements")
    assert "needs-old-idna 1.0 requires idna<3.8" in done.stderr


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_exit_status_interrupted(tmp_path):
    """SIGINT while `lock` backtracks through the pigeonhole set (which no budget-free resolver
    finishes; the round budget ends it after about 2.3 CPU seconds here, start-up takes about 0.2,
    so the signal comes after 0.8): status 130. A FIFO as input no longer blocks: it is refused
    (test_input_limits.py)."""
    pigeons = [f"pigeon-{i}" for i in range(9)]
    # A test run started in the background (`… &` in a script) ignores SIGINT, and the child would
    # inherit that through exec; the child gets the default back, as in an interactive shell.
    proc = subprocess.Popen([sys.executable, "-m", "mach_nix", "lock", "--index", str(DATA / "index-conflicts"),
                             "--max-seconds", "600", "-o", str(tmp_path / "lock.json"), *pigeons],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while _cpu_seconds(proc.pid) < 0.8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # until it has started up and is inside the resolution
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr


def test_exit_status_internal_error(monkeypatch, capsys):
    """A bug (any unexpected exception) is one paragraph asking for a report, status 3."""
    import mach_nix.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(mach_nix.pipeline, "lock_requirements", broken)
    monkeypatch.delenv("MACH_NIX_DEBUG", raising=False)
    assert main(["lock", "--index", INDEX, "idna", "-o", "-"]) == EXIT_INTERNAL == 3
    message = one_paragraph(capsys.readouterr().err)
    assert "internal error" in message and "ZeroDivisionError: simulated bug" in message
    assert "MACH_NIX_DEBUG=1" in message


# --- output paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("output, expected", [
    ("out/", "out is a directory"),
    ("out", "out is a directory"),
    ("/proc/version", "cannot write the lock to /proc/version"),
    ("afile/x.json", "cannot write the lock to afile/x.json (Not a directory)"),
])
def test_unwritable_lock_output_is_one_paragraph(tmp_path, output, expected):
    (tmp_path / "out").mkdir()
    (tmp_path / "afile").write_text("kept\n")
    done = cli("lock", "--index", INDEX, "idna", "-o", output, cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    assert expected in one_paragraph(done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "out"]  # nothing written, nothing lost
    assert list((tmp_path / "out").iterdir()) == [] and (tmp_path / "afile").read_text() == "kept\n"


def test_env_into_an_existing_file_is_one_paragraph(tmp_path):
    (tmp_path / "taken").write_text("kept\n")
    done = cli("env", "taken", "idna", "--index", INDEX, cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    assert "taken exists and is not a directory" in one_paragraph(done.stderr)
    assert (tmp_path / "taken").read_text() == "kept\n"


# --- locks that parse but are not what tree/why rely on -------------------------------------------


@pytest.fixture(scope="module")
def good_lock(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("lock") / "lock.json"
    assert main(["lock", "--index", INDEX, "-q", "requests[socks]", "docopt", "-o", str(out)]) == 0
    return json.loads(out.read_text())


def _corrupt_extras(lock: dict) -> None:
    lock["packages"]["requests"]["extras"] = [1]


def _corrupt_filename(lock: dict) -> None:
    lock["packages"]["six"] = {"version": "1.16.0", "provider": "nixpkgs", "nixpkgs_attr": "six",
                               "dependencies": [], "filename": 5}


def _corrupt_build_system(lock: dict) -> None:
    lock["packages"]["docopt"]["build_system"] = {"resolved": False, "dependencies": [{"name": "setuptools"}]}


@pytest.mark.parametrize("command, corrupt, expected", [
    ("tree", _corrupt_extras, "packages.requests.extras is not a list of strings"),
    ("tree", _corrupt_filename, "packages.six.filename is 5, expected a string"),
    ("why", _corrupt_build_system, "packages.docopt.build_system.dependencies is not a list of strings"),
])
def test_invalid_locks_are_refused_by_tree_and_why(tmp_path, good_lock, command, corrupt, expected):
    lock = json.loads(json.dumps(good_lock))
    corrupt(lock)
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    args = ["tree", "lock.json"] if command == "tree" else ["why", "idna", "lock.json"]
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    message = one_paragraph(done.stderr)
    assert "lock.json is invalid" in message and expected in message and "Re-create it with `mach-nix lock`" in message


def test_unresolved_build_system_does_not_break_why(tmp_path, good_lock):
    lock = json.loads(json.dumps(good_lock))
    lock["packages"]["docopt"]["build_system"] = {"resolved": False, "dependencies": ["not-in-the-lock"],
                                                  "requires": ["not-in-the-lock"]}
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    done = cli("why", "docopt", "lock.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "docopt 0.6.2"


# --- silent cases made loud ----------------------------------------------------------------------


def test_unknown_extra_warns_and_names_the_known_ones(tmp_path):
    done = cli("lock", "--index", INDEX, "requests[nonexistent,socks]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning = next(line for line in done.stderr.splitlines() if "does not provide" in line)
    assert warning.startswith("warning: requests 2.32.3 does not provide the extra 'nonexistent'")
    assert "socks" in warning and "use-chardet-on-py3" in warning
    assert "'socks'" not in warning  # a real extra is not reported


def test_nixpkgs_only_providers_without_a_map_say_what_to_pass(tmp_path):
    done = cli("lock", "--index", INDEX, "idna", "--providers", "_default=nixpkgs", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    message = one_paragraph(done.stderr)
    assert "--nixpkgs-json" in message and "every package come from nixpkgs only" in message
    assert "extend the index" not in message


def test_require_hashes_refuses_unhashed_and_unpinned_lines(tmp_path):
    idna = sha256_of("idna", "idna-3.8-py3-none-any.whl")
    (tmp_path / "r.txt").write_text(f"--require-hashes\nidna==3.8 --hash=sha256:{idna}\nsix\n")
    done = cli("lock", "--index", INDEX, "-r", "r.txt", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    message = one_paragraph(done.stderr)
    assert "Hash checking is on (r.txt, line 1)" in message and "r.txt, line 3: six" in message
    assert "idna" not in message.split("these are not:")[1]


def test_require_hashes_needs_every_resolved_package_hashed(tmp_path):
    requests = sha256_of("requests", "requests-2.32.3-py3-none-any.whl")
    (tmp_path / "r.txt").write_text(f"requests==2.32.3 --hash=sha256:{requests}\n")  # --hash alone turns it on
    done = cli("lock", "--index", INDEX, "-r", "r.txt", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    message = one_paragraph(done.stderr)
    assert "have no --hash: certifi, charset-normalizer, idna, urllib3" in message
    assert not (tmp_path / "mach-nix.lock.json").exists()


def test_require_hashes_locks_the_hashed_files(tmp_path):
    idna, six = sha256_of("idna", "idna-3.8-py3-none-any.whl"), sha256_of("six", "six-1.16.0-py2.py3-none-any.whl")
    (tmp_path / "r.txt").write_text(f"--require-hashes\nidna==3.8 --hash=sha256:{idna}\n"
                                    f"six==1.16.0 \\\n    --hash=sha256:{six}\n")
    done = cli("lock", "--index", INDEX, "-r", "r.txt", "--no-build-deps", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lock = json.loads((tmp_path / "mach-nix.lock.json").read_text())
    assert {n: p["sha256"] for n, p in lock["packages"].items()} == {"idna": idna, "six": six}


def test_lock_records_the_arguments_that_reproduce_its_inputs(tmp_path):
    (tmp_path / "r.txt").write_text("requests\n")
    (tmp_path / "c.txt").write_text("idna<3.8\n")
    done = cli("lock", "--index", INDEX, "-q", "-r", "r.txt", "-c", "c.txt", "--providers", "_default=wheel,sdist",
               "--pre", "six", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    inputs = json.loads((tmp_path / "mach-nix.lock.json").read_text())["inputs"]
    assert inputs["arguments"] == ["-r", "r.txt", "-c", "c.txt", "--providers", "_default=wheel,sdist", "--pre", "six"]
    assert [(f["path"], f["kind"]) for f in inputs["files"]] == [("r.txt", "requirements"), ("c.txt", "constraints")]
