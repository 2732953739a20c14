"""Objects kept between runs in the cache folder, read back only when this user saved them.

A loaded rule set is a large structure of records and of functions Python compiled from
generated source; rebuilding it from the rule files is what makes a large rule set slow to
start. It is saved with pickle in the private cache folder of the parser's tables
(`parser_cache.CacheFolder`), with the same proof of origin: the folder and the file are
checked on their descriptors, and the keyed digest over exactly the bytes read must verify
before anything is unpickled. Unlike the parser's tables these bytes must name classes, so
the unpickler takes an allowance (`Allowed`) instead of refusing every global: the classes
of a few named modules and a few named functions, nothing else. Verified bytes may also
hold the code of generated functions (compiled by Python, kept with `marshal`, as in a
`.pyc` file): only bytes whose digest verifies, made with this user's secret, are ever
read, so only code this user's own runs generated can come back.

Whatever fails is ignored: `recall` gives None and the caller builds afresh, `keep` saves
nothing. At most `KEPT` objects of one kind stay in the folder, the least recently used
removed first, so editing rule files again and again does not fill the disk.
"""

from __future__ import annotations

import copyreg
import io
import marshal
import pickle
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import attrs

from rulesengine.speedups.parser_cache import CacheFolder

#: objects of one kind kept in the folder at most
KEPT = 16
#: the largest file read back: a 5,000-rule set is about 10 MB
MOST_BYTES = 1 << 27
#: the bytes of the first part's length, before it
_LENGTH = 8


@attrs.frozen
class Allowed:
    """What saved bytes may name: any class defined in one of `modules`, and `objects`."""

    modules: frozenset[str]
    objects: tuple[object, ...] = ()

    def find(self, module: str, name: str) -> object:
        """The class or object `module.name`, if it is allowed (else an `UnpicklingError`)."""
        found = _OWN.get((module, name))
        if found is None:
            found = next((o for o in self.objects if _global_name(o) == (module, name)), None)
        if found is None and module in self.modules and "." not in name:
            candidate = getattr(sys.modules.get(module), name, None)
            if isinstance(candidate, type) and candidate.__module__ == module:
                found = candidate
        if found is None:
            raise pickle.UnpicklingError(f"refused to load {module}.{name} from the cache")
        return found


class Later:
    """The second part of a saved object, unpickled when first asked for: what most runs never
    read need not cost them its unpickling. Its bytes were verified with the first part's."""

    def __init__(self, data: bytes, allowed: Allowed) -> None:
        self._data: bytes | None = data
        self._allowed = allowed
        self._value: object = None

    def value(self) -> object:
        if self._data is not None:
            self._value = _AllowedUnpickler(io.BytesIO(self._data), self._allowed).load()
            self._data = None
        return self._value


def recall(name: str, kind: str, allowed: Allowed) -> tuple[object, Later] | None:
    """The object saved under `name`, and its later part, if the cache holds a verified copy
    whose first part unpickles with only what `allowed` names; None otherwise."""
    folder = CacheFolder.open()
    if folder is None:
        return None
    try:
        data = folder.read(_file_name(name, kind), most_bytes=MOST_BYTES)
        if data is None or len(data) < _LENGTH:
            return None
        first = int.from_bytes(data[:_LENGTH], "big") + _LENGTH
        try:
            value = _AllowedUnpickler(io.BytesIO(data[_LENGTH:first]), allowed).load()
        except Exception:  # noqa: BLE001 - saved by another version of a class: build afresh
            return None
        folder.touch(_file_name(name, kind))
        return value, Later(data[first:], allowed)
    finally:
        folder.close()


def keep(name: str, kind: str, value: object, later: object = None) -> None:
    """Save `value` under `name`, and `later`, which `recall` unpickles only when asked
    (`Later`); then forget the least recently used of its kind past `KEPT`. Quietly
    nothing when it cannot be saved."""
    folder = CacheFolder.open()
    if folder is None:
        return
    try:
        parts = []
        for part in (value, later):
            pickled = io.BytesIO()
            try:
                _Pickler(pickled, protocol=pickle.HIGHEST_PROTOCOL).dump(part)
            except (pickle.PicklingError, TypeError, AttributeError, ValueError):
                return
            parts.append(pickled.getvalue())
        payload = len(parts[0]).to_bytes(_LENGTH, "big") + parts[0] + parts[1]
        if len(payload) <= MOST_BYTES:
            folder.write(_file_name(name, kind), payload)
            folder.prune(_suffix(kind), KEPT)
    finally:
        folder.close()


def _file_name(name: str, kind: str) -> str:
    return f"{name}{_suffix(kind)}"


def _suffix(kind: str) -> str:
    return f".{kind}-cache"


# ---- what the pickle holds beyond plain records -------------------------------------------

def _generated(code: bytes, namespace: dict[str, Any], name: str) -> types.FunctionType:
    """A function compiled from generated source, back in the namespace it was made in."""
    return types.FunctionType(marshal.loads(code), namespace, name)


def _read_only(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


def _reduce_function(function: types.FunctionType) -> str | tuple:
    """A function of a module by its name; one compiled from generated source (which has no
    module to be found in) by its code and namespace."""
    if function.__code__.co_filename != "<string>":
        return function.__qualname__
    if function.__closure__ or function.__defaults__ or function.__kwdefaults__:
        raise pickle.PicklingError(f"cannot save the generated function {function.__name__}")
    return _generated, (marshal.dumps(function.__code__), function.__globals__, function.__name__)


def _reduce_proxy(proxy: types.MappingProxyType) -> tuple:
    return _read_only, (dict(proxy),)


class _Pickler(pickle.Pickler):
    """A pickler that also saves generated functions and read-only mappings."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is types.FunctionType:
            return _reduce_function(obj)
        if kind is types.MappingProxyType:
            return _reduce_proxy(obj)
        return NotImplemented


def _global_name(value: object) -> tuple[str, str]:
    return getattr(value, "__module__", None) or "", getattr(value, "__qualname__", "")


#: what a saved payload may always name: the two rebuilders above, and how `re` saves a pattern
_OWN: dict[tuple[str, str], object] = {_global_name(f): f for f in (
    _generated, _read_only, copyreg.dispatch_table[re.Pattern](re.compile(""))[0])}


class _AllowedUnpickler(pickle.Unpickler):
    """An unpickler that builds only what its `Allowed` names."""

    def __init__(self, file: io.BytesIO, allowed: Allowed) -> None:
        super().__init__(file)
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        found: Any = self._allowed.find(module, name)
        return found

