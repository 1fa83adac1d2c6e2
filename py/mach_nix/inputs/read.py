"""Every input source of one lock read into one :class:`~mach_nix.inputs.InputSet`.

Example: ``read_inputs(InputSources(requirements=["idna"])).requirements[0].req.name == "idna"``
"""

from __future__ import annotations

from typing import Callable, Optional

from mach_nix.errors import MachNixError
from mach_nix.inputs import InputSet, InputSources
from mach_nix.inputs.pyproject import read_pyproject, read_setup_cfg
from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements


def read_inputs(sources: InputSources, check: Optional[Callable[[], None]] = None) -> InputSet:
    """Read every source into one :class:`InputSet`; raise MachNixError when there is nothing to lock.

    ``check`` is called as the requirements are read (the lock's budget: it raises to stop).
    Example: ``read_inputs(InputSources(requirements=["idna"])).requirements[0].req.name == "idna"``
    """
    inputs = InputSet()
    for path in sources.requirement_files:
        inputs.extend(read_requirements(path, check=check))
    for path in sources.constraint_files:
        inputs.extend(read_requirements(path, constraint=True, check=check))
    for i, text in enumerate(sources.requirement_texts, 1):
        inputs.extend(read_requirement_text(text, f"--requirement-text #{i}", check=check))
    if sources.requirements:
        inputs.extend(read_requirement_text("\n".join(sources.requirements), "command line", check=check))
    if sources.pyproject:
        inputs.extend(read_pyproject(sources.pyproject, sources.extras, sources.groups))
    elif sources.setup_cfg:
        inputs.extend(read_setup_cfg(sources.setup_cfg, sources.extras))
    elif sources.extras or sources.groups:
        raise MachNixError("--extra/--group need --pyproject (or --setup-cfg for --extra).")
    if sources.prereleases:
        inputs.allow_prereleases = True
    if not inputs.requirements and not inputs.files:
        raise MachNixError("Nothing to lock: pass -r requirements.txt, --pyproject pyproject.toml or requirements "
                           "as arguments, e.g. `mach-nix lock 'requests>=2'`.")
    return inputs
