"""Durations as the TypeScript SDK and Vault take them (``get_dynamic(ttl=...)``, ``renew(increment=...)``):
whole seconds, or Vault's text (go-secure-stdlib parseutil.ParseDurationSecond, as
src/auth/policy/duration.ts): a string of digits is seconds, ``<n>d`` whole days, anything else Go's
``time.ParseDuration`` syntax (``15m``, ``1h30m``, ``1.5s``; units ns, us, µs, ms, s, m, h).

A duration that is none is a ``usage`` error naming the argument, never quoting what was given.
"""

from __future__ import annotations

import math
import re
from typing import Optional, Union

from .errors import SecretsError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_TERM = re.compile(r"(\d*(?:\.\d*)?)([^\d.]*)")
_DIGITS = re.compile(r"^[+-]?\d+$")


def _go_duration(text: str) -> Optional[float]:
    rest = text
    sign = 1.0
    if rest[:1] in ("+", "-"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if rest == "":
        return None
    total = 0.0
    while rest:
        m = _TERM.match(rest)
        if m is None or m.group(1) in ("", ".") or m.group(2) not in _UNITS:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        rest = rest[m.end() :]
    return sign * total


def duration_seconds(given: Union[int, str, None], name: str) -> int:
    """Whole seconds (0 when absent: the role's default)."""
    if given is None:
        return 0
    seconds: Optional[float]
    if isinstance(given, bool):
        seconds = None
    elif isinstance(given, int):
        seconds = float(given)
    elif isinstance(given, str) and given != "":
        if _DIGITS.match(given):
            seconds = float(int(given))
        elif given.endswith("d") and _DIGITS.match(given[:-1]):
            seconds = float(int(given[:-1]) * 86400)
        else:
            seconds = _go_duration(given)
    else:
        seconds = None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise SecretsError("usage", f'invalid {name}: expected whole seconds or a duration such as "15m"')
    return int(seconds)
