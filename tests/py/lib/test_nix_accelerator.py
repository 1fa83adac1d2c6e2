"""The `accelerator` argument of the Nix functions (issue 20, point 4; lib/accelerator.nix): a lock
made for another accelerator is refused at evaluation with the exact re-lock command, in the style
of the target-mismatch tests of test_nix.py; `cuda` wires the driver runpath for the wheels that
load CUDA. Evaluation only (marker `nix`), on committed locks copied with one field changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from nix_support import GLIBC, PY, PY_FULL
from test_nix import COMMON, ROOT, nix_eval

pytestmark = [pytest.mark.nix]

LOCKS = ROOT / "tests" / "nix" / "locks" / "host"


def variant(tmp_path: Path, source: str, *, accelerator: Optional[str] = None, name: str = "mach-nix.lock.json",
            arguments: Optional[list] = None, numpy_needs: Optional[Dict[str, Any]] = None) -> Path:
    """A copy of a committed lock with `target.accelerator`, `inputs.arguments` or numpy's `needs` set."""
    doc = json.loads((LOCKS / source).read_text())
    if accelerator is not None:
        doc["target"]["accelerator"] = accelerator
    if arguments is not None:
        doc["inputs"]["arguments"] = arguments
    if numpy_needs is not None:
        doc["packages"]["numpy"]["needs"] = numpy_needs
    out = tmp_path / name
    out.write_text(json.dumps(doc))
    return out


def mk_python(lock: Path, extra: str = "") -> str:
    return COMMON + f"(machNix.mkPython {{ lockFile = {lock}; {extra} }})"


def test_a_lock_for_cuda_is_refused_for_cpu_with_the_relock_command(tmp_path: Path) -> None:
    lock = variant(tmp_path, "requests.json", accelerator="cuda", name="gpu.lock.json",
                   arguments=["-r", "requirements.txt", "--extra-index-url", "https://download.pytorch.org/whl/cu124"])
    proc = nix_eval(mk_python(lock, 'accelerator = "cpu";') + ".drvPath")
    assert proc.returncode != 0
    assert f"the lock {lock} was made for another accelerator: cuda (lock) vs cpu (the accelerator argument)" in proc.stderr
    relock = (f"mach-nix lock -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cu124 "
              f"--python {PY_FULL} --system x86_64-linux --glibc {GLIBC} --accelerator cpu -o gpu.lock.json")
    # the lock's own arguments come shell-quoted (lib.escapeShellArgs, as in checkTarget's command)
    assert relock in proc.stderr.replace("'", ""), proc.stderr[-2000:]
    # the same lock is accepted for what it is, and with no accelerator given
    for extra in ('accelerator = "cuda";', ""):
        ok = nix_eval(mk_python(lock, extra) + ".drvPath")
        assert ok.returncode == 0, ok.stderr[-2000:]


def test_a_lock_without_the_field_is_read_by_its_wheels(tmp_path: Path) -> None:
    """requests.json predates the field and has no CUDA wheel: it is a CPU lock."""
    proc = nix_eval(mk_python(LOCKS / "requests.json", 'accelerator = "cuda";') + ".drvPath")
    assert proc.returncode != 0
    assert "was made for another accelerator: cpu (lock) vs cuda (the accelerator argument)" in proc.stderr
    assert "--accelerator cuda -o requests.json" in proc.stderr
    ok = nix_eval(mk_python(LOCKS / "requests.json", 'accelerator = "cpu";') + ".drvPath")
    assert ok.returncode == 0, ok.stderr[-2000:]


@pytest.mark.parametrize("function, force", [
    ("mkPythonShell", "(F).drvPath"), ("mkDockerImage", "(F).drvPath"),
    ("mkPythonOverrides", "builtins.attrNames ((F) pkgs.python3.pkgs pkgs.python3.pkgs)"), ("resolve", "builtins.seq (F) 1"),
])
def test_every_function_takes_the_argument(tmp_path: Path, function: str, force: str) -> None:
    lock = variant(tmp_path, "requests.json", accelerator="cuda")
    call = f'machNix.{function} {{ lockFile = {lock}; accelerator = "cpu"; }}'
    proc = nix_eval(COMMON + force.replace("F", call))
    assert proc.returncode != 0
    assert "was made for another accelerator: cuda (lock) vs cpu" in proc.stderr, proc.stderr[-2000:]


def test_an_unknown_accelerator_is_refused() -> None:
    proc = nix_eval(mk_python(LOCKS / "requests.json", 'accelerator = "rocm";') + ".drvPath")
    assert proc.returncode != 0
    assert 'accelerator = "rocm" is not one of "cpu", "cuda"' in proc.stderr


def test_cuda_wires_the_driver_runpath_for_the_wheels_that_load_cuda(tmp_path: Path) -> None:
    """numpy here "needs" libcudart (plugin-only, so nothing else is asked of the build): in a CUDA
    lock it gets autoAddDriverRunpath, in a CPU lock (or without that need) it does not."""
    needs = {"libcudart.so.12": {"use": "plugin"}}
    expr = ("let env = machNix.mkPython {{ lockFile = {}; }}; np = env.python.pkgs.numpy; in "
            "{{ driver = np.machNix.driverRunpath; hook = builtins.any (d: (d.name or \"\") == "
            "pkgs.autoAddDriverRunpath.name) np.nativeBuildInputs; }}")
    seen = {}
    for accel, with_needs in (("cuda", True), ("cpu", True), ("cuda", False)):
        lock = variant(tmp_path, "numpy.json", accelerator=accel, numpy_needs=needs if with_needs else None,
                       name=f"{accel}-{with_needs}.json")
        proc = nix_eval(COMMON + expr.format(lock))
        assert proc.returncode == 0, proc.stderr[-2000:]
        seen[(accel, with_needs)] = json.loads(proc.stdout)
    assert seen == {("cuda", True): {"driver": True, "hook": True}, ("cpu", True): {"driver": False, "hook": False},
                    ("cuda", False): {"driver": False, "hook": False}}



def test_a_resolution_in_nix_for_another_accelerator_says_to_lock_outside() -> None:
    """The resolver in Nix reads only the index layers (no --extra-index-url): six is a CPU lock."""
    proc = nix_eval(COMMON + '(machNix.mkPython { requirements = "six\\n"; accelerator = "cuda"; }).drvPath')
    assert proc.returncode != 0
    assert "the resolution of the requirements was made for another accelerator: cpu (lock) vs cuda" in proc.stderr
    flat = " ".join(proc.stderr.split())  # Nix indents the continuation lines of an error
    assert (f"mach-nix lock -r requirements.txt --python {PY_FULL} --system x86_64-linux --glibc {GLIBC} "
            "--accelerator cuda -o mach-nix.lock.json then lockFile = ./mach-nix.lock.json;") in flat


def test_nix_reads_packages_as_the_cli_does() -> None:
    from test_accelerator import EVIDENCE_CASES

    cases = json.dumps([[n, v] for n, v, _ in EVIDENCE_CASES])
    proc = nix_eval(COMMON + f"let a = import ./lib/accelerator.nix {{ inherit lib; }}; in "
                             f"map (c: a.evidence (builtins.elemAt c 0) (builtins.elemAt c 1)) (builtins.fromJSON ''{cases}'')")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == [e for _, _, e in EVIDENCE_CASES]


def test_a_plain_linux_wheel_from_an_extra_index_is_a_cpu_wheel_with_autopatchelf(tmp_path: Path) -> None:
    """A `+cpu` build served as a linux_x86_64 wheel only (PyTorch's CPU index, torch <= 2.5), locked
    through --extra-index-url: Nix builds it as a binary Linux wheel (autoPatchelf, the manylinux2014
    set, lib/wheel.nix `manylinuxSet`) in a CPU environment, and refuses it for CUDA."""
    from faults.fakepypi import FakePyPI
    from faults.world import Dist, world_routes
    from test_accelerator import lock

    tag = f"cp{PY.replace('.', '')}-cp{PY.replace('.', '')}-linux_x86_64"
    with FakePyPI(world_routes({"fakepkg": [Dist("1.0", wheels=["py3-none-any"], sdist=False)]})) as pypi, \
            FakePyPI(world_routes({"fakepkg": [Dist("1.0+cpu", wheels=[tag], sdist=False)]})) as cpu:
        done = lock(["-o", "l.json", "--python", PY_FULL, "--glibc", GLIBC, "fakepkg"], cache=tmp_path / "cache",
                    pypi=pypi, extra=cpu, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lock_file = tmp_path / "l.json"
    assert json.loads(lock_file.read_text())["packages"]["fakepkg"]["wheel_tags"] == [tag]
    expr = ("let env = machNix.mkPython {{ lockFile = {}; {} }}; p = env.python.pkgs.fakepkg; in "
            "{{ inherit (p.machNix) filename manylinux; version = p.version; "
            "patchelf = builtins.any (d: (d.name or \"\") == pkgs.autoPatchelfHook.name) p.nativeBuildInputs; "
            "drv = builtins.isString env.drvPath; }}")
    proc = nix_eval(COMMON + expr.format(lock_file, 'accelerator = "cpu";'))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == {"filename": f"fakepkg-1.0+cpu-{tag}.whl", "manylinux": "manylinux2014",
                                       "version": "1.0+cpu", "patchelf": True, "drv": True}
    refused = nix_eval(COMMON + expr.format(lock_file, 'accelerator = "cuda";'))
    assert refused.returncode != 0
    assert "was made for another accelerator: cpu (lock) vs cuda" in refused.stderr, refused.stderr[-2000:]
    # its ELF needs (lib/needs.nix) are asked of it as of a manylinux wheel: an unmapped module need is refused
    doc = json.loads(lock_file.read_text())
    doc["packages"]["fakepkg"]["needs"] = {"libunmapped-x.so.1": {"use": "module"}}
    (tmp_path / "needs.json").write_text(json.dumps(doc))
    needy = nix_eval(COMMON + expr.format(tmp_path / "needs.json", ""))
    assert needy.returncode != 0
    assert (f"the wheel fakepkg-1.0+cpu-{tag}.whl (fakepkg 1.0+cpu) has an importable extension module that needs "
            "libunmapped-x.so.1") in needy.stderr, needy.stderr[-2000:]
