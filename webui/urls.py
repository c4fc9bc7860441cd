"""Pure helpers that add, remove and replace query arguments, keeping the others in order."""

from __future__ import annotations

from urllib.parse import urlencode

Args = list[tuple[str, str]]


def path_with_added_args(path: str, args: Args, added: Args) -> str:
    """path?args plus `added` pairs at the end (duplicates are not repeated)."""
    current = list(args)
    for pair in added:
        if pair not in current:
            current.append(pair)
    return with_args(path, current)


def path_with_removed_args(path: str, args: Args, removed: Args | set[str]) -> str:
    """path?args without the given (name, value) pairs, or without every value of the names."""
    removed = set(removed)
    kept = [(k, v) for k, v in args if (k, v) not in removed and k not in removed]
    return with_args(path, kept)


def path_with_replaced_args(path: str, args: Args, replaced: dict[str, str | None]) -> str:
    """path?args with each named argument set to one value (None drops it), in place."""
    out, done = [], set()
    for k, v in args:
        if k in replaced:
            if k not in done and replaced[k] is not None:
                out.append((k, replaced[k]))
            done.add(k)
        else:
            out.append((k, v))
    out += [(k, v) for k, v in replaced.items() if k not in done and v is not None]
    return with_args(path, out)


def with_args(path: str, args: Args) -> str:
    """path?urlencoded(args), or just path when there are none."""
    return f"{path}?{urlencode(args)}" if args else path
