"""A source file's faults, every one at once, one line each, naming the file and the field.

pydantic's errors become lines such as ``schedules/x.yaml: manners.dealy: unknown field;
did you mean `delay`?`` (a close match among the fields at that level, by ``difflib``),
a YAML syntax error becomes ``schedules/x.yaml:3:9: not valid YAML: ...``, and a wrong
source name lists the names there are, the closest first.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from crawler.errors import ConfigError, SourceError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import yaml
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails

__all__ = ["SourceFaults", "faults_of", "unknown_source", "validation_faults", "yaml_fault"]

_SHOWN_NAMES = 20


class SourceFaults(SourceError):
    """Several faults of one source file; its message is one line per fault."""

    def __init__(self, faults: Sequence[SourceError]) -> None:
        self.faults = tuple(faults)
        self.path, self.field = self.faults[0].path, self.faults[0].field
        ConfigError.__init__(self, "\n".join(str(fault) for fault in self.faults))


def faults_of(error: SourceError) -> tuple[SourceError, ...]:
    """Each fault an error holds: itself, or the ones a ``SourceFaults`` gathers."""
    return error.faults if isinstance(error, SourceFaults) else (error,)


def gathered(faults: Sequence[SourceError]) -> SourceError:
    """One error for one fault, a ``SourceFaults`` for several."""
    return faults[0] if len(faults) == 1 else SourceFaults(faults)


def yaml_fault(path: Path, exc: yaml.YAMLError) -> SourceError:
    """A YAML syntax error as one line: ``file:line:column: not valid YAML: problem``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        problem = f"{problem} ({context} at line {context_mark.line + 1})"
    at = (mark.line + 1, mark.column + 1) if mark is not None else None
    return SourceError(path, "", f"not valid YAML: {problem}", at=at)


def validation_faults(path: Path, exc: ValidationError, root: type[BaseModel]) -> list[SourceError]:
    """Every error pydantic found, one ``SourceError`` each, in the schema's field order."""
    faults: list[SourceError] = []
    for error in exc.errors():
        loc = _field_loc(error["loc"])
        fault = SourceError(path, ".".join(map(str, loc)) or "(top level)", _message(error, root))
        if str(fault) not in {str(f) for f in faults}:
            faults.append(fault)
    return faults


def _field_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location without pydantic's union tags (``literal['a','b']``, ``function-after``)."""
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))


def _message(error: ErrorDetails, root: type[BaseModel]) -> str:
    if error["type"] != "extra_forbidden":
        return error["msg"].removeprefix("Value error, ")
    loc = _field_loc(error["loc"])
    model = _model_at(root, loc[:-1])
    if model is None:
        return "unknown field"
    fields = sorted(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
    if close:
        return f"unknown field; did you mean `{close[0]}`?"
    return f"unknown field; the fields here are {', '.join(fields)}"


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose fields are at ``loc`` under ``root`` (list indices skipped)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model is not None else None
        model = _model_in(field.annotation) if field is not None else None
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model in an annotation such as ``Schedule | None`` or ``tuple[Monitor, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def unknown_source(name: str, sources_dir: Path) -> SourceError:
    """No source called ``name``: the error names the closest one and lists the others."""
    names = sorted({p.stem for pattern in ("*.yaml", "*.yml") for p in sources_dir.glob(pattern)})
    where = sources_dir / f"{name}.yaml"
    if not names:
        return SourceError(
            where, "", f"no source named {name!r}: {sources_dir} has no source files"
        )
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    shown = ", ".join(names[:_SHOWN_NAMES])
    more = f" and {len(names) - _SHOWN_NAMES} more" if len(names) > _SHOWN_NAMES else ""
    return SourceError(where, "", f"no source named {name!r}; {hint}Known sources: {shown}{more}")
