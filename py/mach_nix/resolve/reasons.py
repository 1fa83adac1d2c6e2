"""Why a release cannot be used, as typed values: what explanations group, count and print.

A file of a release is rejected for one :class:`Rejection` (its provider, its hash, yanked, its
Python, its metadata offline, its wheel tags, no files at all), and a whole release for a
dependency nothing can meet (``DEPENDENCY``, found by the look-ahead in pruning.py, with the
:class:`Unmet` that says why). Messages tell the two apart by kind, never by their wording.

The values are NamedTuples rather than dataclasses: immutable and typed alike, and a resolution
imports them, where a dataclass costs ten times as much to define (start-up time).

Example::

    Rejected(Rejection.YANKED, "yanked; pin it with == to use it").text == "yanked; pin it with == to use it"
    release_reason("idna 3.8", [Rejected(Rejection.YANKED, "yanked")]) == "idna 3.8: yanked"
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Sequence, Tuple


class Rejection(enum.Enum):
    """What rules a file (or, for ``DEPENDENCY``, a candidate) out."""

    PROVIDER = "provider"  # --providers excludes wheels or sdists of this project
    HASH = "hash"  # not among the --hash values
    YANKED = "yanked"  # yanked, and not pinned with ==
    PYTHON = "python"  # Requires-Python excludes the target
    OFFLINE_METADATA = "offline-metadata"  # --offline, and the cache lacks the file's metadata
    WHEEL_TAG = "wheel-tag"  # no tag of the wheel fits the target
    NO_FILES = "no-files"  # the release has no file at all
    DEPENDENCY = "dependency"  # a dependency that no release can meet (see Unmet)


class Rejected(NamedTuple):
    """One reason a file or candidate was ruled out, with its text for messages.

    Example: ``Rejected(Rejection.PYTHON, "requires Python >=3.12 (target 3.11.13)")``
    """

    kind: Rejection
    text: str


class Unmet(NamedTuple):
    """Why no release can meet a requirement: the roots and constraints that exclude the releases it
    admits (``excluded_by``), and what rules out the others (``detail``).

    Example: ``Unmet(("requirements.txt, line 2: pydantic<2",), "").text == "excluded by requirements.txt, line 2: pydantic<2"``
    """

    excluded_by: Tuple[str, ...]
    detail: str

    @property
    def text(self) -> str:
        if not self.excluded_by:
            return self.detail
        return "excluded by " + " and ".join(self.excluded_by) + (f"; {self.detail}" if self.detail else "")


MAX_UNMET_TEXT = 400  # characters of a nested explanation kept in a dependency's rejection


def unmet_dependency(wanted: str, unmet: "Unmet | None") -> Rejected:
    """The rejection of a candidate whose requirement ``wanted`` no release can meet.

    Example: ``unmet_dependency("pydantic>=2", Unmet(("line 2: pydantic<2",), "")).text ==
    "requires pydantic>=2, which is excluded by line 2: pydantic<2"``
    """
    why = unmet.text if unmet is not None else ""
    if len(why) > MAX_UNMET_TEXT:
        why = why[:MAX_UNMET_TEXT] + "…"
    if unmet is not None and unmet.excluded_by:
        return Rejected(Rejection.DEPENDENCY, f"requires {wanted}, which is {why}")
    return Rejected(Rejection.DEPENDENCY, f"requires {wanted}, which nothing in the index satisfies here"
                    + (f" ({why})" if why else ""))


def summarize_reasons(reasons: Sequence[Rejected]) -> str:
    """Distinct texts of the rejections of a release's files, in order.

    Example: ``summarize_reasons([Rejected(Rejection.YANKED, "yanked")] * 2) == "yanked"``
    """
    return "; ".join(dict.fromkeys(r.text for r in reasons)) or "no usable file"


def about_dependencies(reasons: Sequence[Rejected]) -> bool:
    """Whether the release is ruled out by its dependencies only (no file of it was rejected)."""
    return bool(reasons) and all(r.kind is Rejection.DEPENDENCY for r in reasons)


def release_reason(release: str, reasons: Sequence[Rejected]) -> str:
    """``"deep-app 2.0 requires deep-lib>=1, …"`` when its dependencies rule the release out, else
    ``"idna 3.8: yanked"`` (its files).

    Example: ``release_reason("idna 3.8", [Rejected(Rejection.YANKED, "yanked")]) == "idna 3.8: yanked"``
    """
    summary = summarize_reasons(reasons)
    return f"{release} {summary}" if about_dependencies(reasons) else f"{release}: {summary}"
