"""What a batch embeds: items (one source and its options), read from a folder, a glob, a list of URLs or a
CSV / JSONL manifest, each with a deterministic key.

An item's key is a digest of its source (the absolute path or the URL) and every option that shapes the
task (API, input type, model, segmentation, options, scopes, offsets), so the same input always maps to
the same ledger row and the same output file, and a changed option is a new item.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .. import _requests as rq
from .. import _validation as v
from .._errors import ValidationError

__all__ = [
    "AUDIO_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "BatchInputError",
    "Item",
    "ItemOptions",
    "read_inputs",
]

Api = Literal["v2", "legacy"]
SourceKind = Literal["file", "url"]

VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".flv", ".wmv", ".3gp"}
)
AUDIO_EXTENSIONS = frozenset({".mp3", ".wav", ".flac", ".m4a", ".aac", ".ogg", ".opus"})
MANIFEST_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

#: Manifest columns (and their accepted spellings).
COLUMNS: dict[str, str] = {
    "source": "source",
    "path": "source",
    "url": "source",
    "file": "source",
    "api": "api",
    "input_type": "input_type",
    "type": "input_type",
    "model": "model",
    "model_name": "model",
    "segmentation": "segmentation",
    "clip_length": "clip_length",
    "option": "embedding_option",
    "options": "embedding_option",
    "embedding_option": "embedding_option",
    "scope": "embedding_scope",
    "scopes": "embedding_scope",
    "embedding_scope": "embedding_scope",
    "embedding_type": "embedding_type",
    "start": "start_sec",
    "start_sec": "start_sec",
    "end": "end_sec",
    "end_sec": "end_sec",
    "dimension": "embedding_dimension",
    "embedding_dimension": "embedding_dimension",
}

_PLACEHOLDER_URL = "https://media.invalid/placeholder.mp4"


class BatchInputError(ValidationError):
    """The batch's input cannot be read at all (a missing path, an unknown manifest column, nothing found).

    A problem with one item (a missing file named in a manifest, an invalid option) is not raised: that
    item is recorded as failed and the batch goes on.
    """


@dataclass(frozen=True)
class ItemOptions:
    """Options of an item; None means "the default" (the batch's default, else the API's).

    `segmentation` is `"fixed:N"`, `"dynamic:N"` or the API's object; `clip_length` is the legacy
    clip length (for v2 it means `fixed:N`). `embedding_option` filters what a legacy retrieve returns.
    """

    api: str | None = None
    input_type: str | None = None
    model: str | None = None
    segmentation: str | Mapping[str, Any] | None = None
    clip_length: float | None = None
    embedding_option: tuple[str, ...] | None = None
    embedding_scope: tuple[str, ...] | None = None
    embedding_type: tuple[str, ...] | None = None
    start_sec: float | None = None
    end_sec: float | None = None
    embedding_dimension: int | None = None

    def over(self, defaults: ItemOptions) -> ItemOptions:
        """These options, with `defaults` filling the ones not given."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name, value in values.items():
            if value is None:
                values[name] = getattr(defaults, name)
        return ItemOptions(**values)


@dataclass(frozen=True)
class Item:
    """One thing to embed: a local file or a URL, with the options of its task.

    `params` holds the task options in canonical form (JSON-ready); `problem` is set when the item
    cannot be embedded as given (it is then recorded as failed, with this text).
    """

    source: str
    kind: SourceKind
    api: Api
    input_type: str
    model: str
    params: tuple[tuple[str, Any], ...] = ()
    problem: str | None = None
    origin: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The deterministic key: a digest of the source and every option that shapes the task."""
        document = {
            "source": self.source,
            "api": self.api,
            "input_type": self.input_type,
            "model": self.model,
            "params": dict(self.params),
        }
        if self.problem is not None:
            document["problem"] = self.problem
        return hashlib.sha256(canonical_json(document).encode()).hexdigest()[:32]

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def name(self) -> str:
        """The file name (or the last part of the URL path)."""
        if self.kind == "file":
            return os.path.basename(self.source)
        return os.path.basename(urlsplit(self.source).path) or self.source

    def describe(self) -> str:
        return self.source

    def create_kwargs(self) -> dict[str, Any]:
        """The create call's keyword arguments, without the media source."""
        p = self.options
        if self.api == "legacy":
            return {
                "model_name": self.model,
                "video_clip_length": p.get("clip_length"),
                "video_embedding_scope": p.get("embedding_scope"),
                "video_start_offset_sec": p.get("start_sec"),
                "video_end_offset_sec": p.get("end_sec"),
            }
        return {
            "input_type": self.input_type,
            "model_name": self.model,
            "segmentation": p.get("segmentation"),
            "embedding_option": p.get("embedding_option"),
            "embedding_scope": p.get("embedding_scope"),
            "embedding_type": p.get("embedding_type"),
            "start_sec": p.get("start_sec"),
            "end_sec": p.get("end_sec"),
            "embedding_dimension": p.get("embedding_dimension"),
        }

    def retrieve_option(self) -> list[str] | None:
        """Legacy only: the embedding options a retrieve asks for (None: all)."""
        if self.api != "legacy":
            return None
        value = self.options.get("embedding_option")
        return list(value) if value else None

    def to_record(self) -> dict[str, Any]:
        """The item as stored in the ledger."""
        return {
            "source": self.source,
            "kind": self.kind,
            "api": self.api,
            "input_type": self.input_type,
            "model": self.model,
            "params": dict(self.params),
            "problem": self.problem,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Item:
        params = record.get("params") or {}
        return cls(
            source=str(record["source"]),
            kind=record["kind"],
            api=record["api"],
            input_type=str(record["input_type"]),
            model=str(record["model"]),
            params=tuple(sorted((k, _freeze(v)) for k, v in params.items())),
            problem=record.get("problem"),
        )


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


# ---------------------------------------------------------------------------------------------- values


def _split_list(field_name: str, value: Any) -> tuple[str, ...] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parts = [p for p in value.replace(";", ",").replace("|", ",").replace(" ", ",").split(",") if p]
    elif isinstance(value, list | tuple):
        parts = [str(p) for p in value]
    else:
        raise ValidationError(field_name, f"must be a list of names (e.g. 'visual,audio'), got {value!r}")
    return tuple(parts) or None


def _number(field_name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(field_name, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field_name, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValidationError(field_name, f"must be a finite number, got {value!r}")
    return number


def _whole(field_name: str, value: Any) -> int | None:
    number = _number(field_name, value)
    if number is None:
        return None
    if not number.is_integer():
        raise ValidationError(field_name, f"must be a whole number, got {value!r}")
    return int(number)


def _segmentation(value: Any) -> dict[str, Any] | None:
    """`fixed:N` / `dynamic:N` / the API's object, as the API's object."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        return json.loads(canonical_json(dict(value)))  # type: ignore[no-any-return]
    text = str(value).strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationError("segmentation", f"is not valid JSON: {text!r}") from None
        if not isinstance(parsed, dict):
            raise ValidationError("segmentation", f"must be an object, got {text!r}")
        return parsed
    kind, _, number = text.partition(":")
    if kind not in ("fixed", "dynamic") or not number.strip().isdigit():
        raise ValidationError("segmentation", f"expected fixed:<2-10> or dynamic:<2-5>, got {text!r}")
    if kind == "fixed":
        return rq.fixed_segments(int(number)).to_dict()
    return rq.dynamic_segments(int(number)).to_dict()


def options_from_mapping(row: Mapping[str, Any], *, where: str) -> tuple[str | None, ItemOptions]:
    """A manifest row as (source, options); raises `ValidationError` for a bad value."""
    values: dict[str, Any] = {}
    for raw_name, value in row.items():
        if raw_name is None:
            raise ValidationError(where, "has more values than the header has columns")
        name = COLUMNS.get(str(raw_name).strip().lower())
        if name is None:
            raise BatchInputError(
                where, f"unknown column {raw_name!r}; known columns: {', '.join(sorted(set(COLUMNS)))}"
            )
        values[name] = value.strip() if isinstance(value, str) else value
    source = values.pop("source", None)
    options = ItemOptions(
        api=values.get("api") or None,
        input_type=values.get("input_type") or None,
        model=values.get("model") or None,
        segmentation=values.get("segmentation") or None,
        clip_length=_number("clip_length", values.get("clip_length")),
        embedding_option=_split_list("embedding_option", values.get("embedding_option")),
        embedding_scope=_split_list("embedding_scope", values.get("embedding_scope")),
        embedding_type=_split_list("embedding_type", values.get("embedding_type")),
        start_sec=_number("start_sec", values.get("start_sec")),
        end_sec=_number("end_sec", values.get("end_sec")),
        embedding_dimension=_whole("embedding_dimension", values.get("embedding_dimension")),
    )
    return (str(source) if source not in (None, "") else None), options


# ---------------------------------------------------------------------------------------------- items


def _is_url(text: str) -> bool:
    """A URL of any scheme (only http(s) ones are accepted later, with a clear problem for the others)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None


def _guess_type(name: str) -> str:
    return "audio" if Path(urlsplit(name).path).suffix.lower() in AUDIO_EXTENSIONS else "video"


def make_item(source: str, options: ItemOptions, *, base: Path | None = None, origin: str | None = None) -> Item:
    """The item for `source` with `options` (already merged with the batch's defaults).

    Never raises for a bad option or a missing file: the item then carries the `problem`.
    """
    source = source.strip()
    kind: SourceKind = "url" if _is_url(source) else "file"
    if kind == "file":
        path = Path(source).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        source = str(path.resolve())
    api = (options.api or "v2").strip().lower()
    input_type = (options.input_type or _guess_type(source)).strip().lower()
    model = (options.model or v.MARENGO_30).strip()
    try:
        if api not in ("v2", "legacy"):
            raise ValidationError("api", f"must be 'v2' or 'legacy', got {api!r}")
        params = _params(api, input_type, options)
        item = Item(source, kind, api, input_type, model, params, origin=origin)  # type: ignore[arg-type]
        check_options(item)
    except ValidationError as error:
        return Item(
            source,
            kind,
            "legacy" if api == "legacy" else "v2",
            input_type,
            model,
            (),
            problem=f"invalid options: {error}",
            origin=origin,
        )
    return item


def _params(api: str, input_type: str, options: ItemOptions) -> tuple[tuple[str, Any], ...]:
    params: dict[str, Any] = {}
    segmentation = _segmentation(options.segmentation)
    if api == "legacy":
        if input_type != "video":
            raise ValidationError("input_type", f"legacy tasks embed video only, got {input_type!r}")
        clip = options.clip_length
        if segmentation is not None:
            if segmentation.get("strategy") != "fixed":
                raise ValidationError("segmentation", "legacy tasks take fixed:<2-10> (a clip length) only")
            clip = float(segmentation["fixed"]["duration_sec"])
        if clip is not None:
            params["clip_length"] = clip
        if options.embedding_dimension is not None or options.embedding_type is not None:
            raise ValidationError("embedding_dimension / embedding_type", "apply to v2 tasks only")
    else:
        if segmentation is None and options.clip_length is not None:
            clip = options.clip_length
            if not float(clip).is_integer():
                raise ValidationError("clip_length", f"must be a whole number of seconds for v2, got {clip!r}")
            segmentation = rq.fixed_segments(int(clip)).to_dict()
        if segmentation is not None:
            params["segmentation"] = segmentation
        if options.embedding_type is not None:
            params["embedding_type"] = list(options.embedding_type)
        if options.embedding_dimension is not None:
            params["embedding_dimension"] = options.embedding_dimension
    if options.embedding_option is not None:
        params["embedding_option"] = list(options.embedding_option)
    if options.embedding_scope is not None:
        params["embedding_scope"] = list(options.embedding_scope)
    if options.start_sec is not None:
        params["start_sec"] = options.start_sec
    if options.end_sec is not None:
        params["end_sec"] = options.end_sec
    return tuple(sorted((k, _freeze(v)) for k, v in params.items()))


def check_options(item: Item) -> None:
    """Check the item's options with the client's own rules (no request, no file opened)."""
    kwargs = item.create_kwargs()
    url = item.source if item.kind == "url" else _PLACEHOLDER_URL
    if item.api == "legacy":
        rq.legacy_task_form(video_file=None, video_url=url, **kwargs)
        rq.legacy_embedding_options(item.retrieve_option())
    else:
        rq.v2_task_request(
            url=url,
            base64_string=None,
            asset_id=None,
            time_based_metadata=None,
            document_segmentation=None,
            embedding_uncertainty=None,
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------- readers


def _media_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS | AUDIO_EXTENSIONS:
            yield path


def _folder(path: Path) -> list[Path]:
    return sorted(_media_files(p for p in path.rglob("*") if not any(part.startswith(".") for part in p.parts)))


def _url_list(path: Path, defaults: ItemOptions) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        items.append(make_item(text, defaults, base=path.parent, origin=f"{path.name}:{number}"))
    return items


def _csv(path: Path, defaults: ItemOptions) -> list[Item]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(enumerate(reader, start=2))
        header = reader.fieldnames or []
    if not any(COLUMNS.get(name.strip().lower()) == "source" for name in header):
        raise BatchInputError(str(path), "a CSV manifest needs a 'source' (or 'path' / 'url') column")
    return [_row(path, number, row, defaults) for number, row in rows]


def _jsonl(path: Path, defaults: ItemOptions) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BatchInputError(where, f"is not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise BatchInputError(where, "must be a JSON object")
        items.append(_row(path, number, row, defaults))
    return items


def invalid_row(row: Mapping[str, Any], where: str, error: Exception, *, origin: str | None = None) -> Item:
    """The item of a manifest row whose options are invalid: recorded as a problem, named by its source."""
    raw = str(next((row[k] for k in row if COLUMNS.get(str(k).strip().lower()) == "source" and row[k]), ""))
    return Item(raw or where, "url" if _is_url(raw) else "file", "v2", "video", v.MARENGO_30, (),
                problem=f"invalid options: {error}", origin=origin)  # fmt: skip


def _row(path: Path, number: int, row: Mapping[str, Any], defaults: ItemOptions) -> Item:
    where = f"{path.name}:{number}"
    try:
        source, options = options_from_mapping(row, where=where)
    except BatchInputError:
        raise
    except ValidationError as error:
        return invalid_row(row, where, error, origin=where)
    if source is None:
        return Item(where, "file", "v2", "video", v.MARENGO_30, (), problem="the row has no source", origin=where)
    return make_item(source, options.over(defaults), base=path.parent, origin=where)


def read_input(spec: str | os.PathLike[str], defaults: ItemOptions) -> list[Item]:
    """The items of one input: a folder, a glob, a manifest (.csv / .jsonl), a list of URLs, or one file."""
    text = os.fspath(spec)
    if _is_url(text):
        return [make_item(text, defaults)]
    path = Path(text).expanduser()
    if any(ch in text for ch in "*?[") and not path.exists():
        matches = sorted(Path(p) for p in glob.glob(os.path.expanduser(text), recursive=True))
        files = list(_media_files(matches))
        if not files:
            raise BatchInputError("INPUT", f"the pattern {text!r} matches no video or audio file")
        return [make_item(str(p), defaults) for p in files]
    if not path.exists():
        raise BatchInputError("INPUT", f"no such file or folder: {text!r}")
    if path.is_dir():
        files = _folder(path)
        if not files:
            raise BatchInputError("INPUT", f"the folder {text!r} holds no video or audio file")
        return [make_item(str(p), defaults) for p in files]
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS | AUDIO_EXTENSIONS:
        return [make_item(str(path), defaults)]
    kind = MANIFEST_SUFFIXES.get(suffix)
    try:
        if kind == "csv":
            return _csv(path, defaults)
        if kind == "jsonl":
            return _jsonl(path, defaults)
        return _url_list(path, defaults)
    except UnicodeDecodeError:
        raise BatchInputError("INPUT", f"{text!r} is not a text file (a URL list, .csv or .jsonl)") from None


def read_inputs(
    inputs: str | os.PathLike[str] | Item | Sequence[str | os.PathLike[str] | Item],
    defaults: ItemOptions | None = None,
) -> list[Item]:
    """Every item of `inputs` (paths, patterns, URLs, or `Item`s), in order, each key once."""
    defaults = defaults or ItemOptions()
    many = [inputs] if isinstance(inputs, str | os.PathLike | Item) else list(inputs)
    items: dict[str, Item] = {}
    for entry in many:
        found = [entry] if isinstance(entry, Item) else read_input(entry, defaults)
        for item in found:
            items.setdefault(item.key, item)
    return list(items.values())


def with_problem(item: Item, problem: str) -> Item:
    return replace(item, problem=problem)
