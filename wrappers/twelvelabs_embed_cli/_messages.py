"""Library errors told in the CLI's own words: flags instead of Python parameter names, no key.

The library names its parameters (`video_clip_length: must be between 2 and 10 ...`); a CLI user
typed `--clip-length`. Every message the CLI prints about the library's arguments goes through
`in_cli_words`, and every line it prints on stderr goes through `Redactor`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twelvelabs_embed import ValidationError

__all__ = ["FLAGS", "Redactor", "field_as_flag", "in_cli_words", "validation_words"]

# Parameter names of the library (both APIs) -> the flag or argument of the CLI that sets them.
FLAGS: dict[str, str] = {
    "model_name": "--model",
    "video_file": "--file",
    "video_url": "--url",
    "video_start_offset_sec": "--start",
    "video_end_offset_sec": "--end",
    "video_clip_length": "--clip-length",
    "video_embedding_scope": "--scope",
    "input_type": "--type",
    "url": "--url",
    "base64_string": "--base64-file",
    "asset_id": "--asset-id",
    "start_sec": "--start",
    "end_sec": "--end",
    "segmentation": "--segmentation",
    "embedding_option": "--option",
    "embedding_scope": "--scope",
    "embedding_type": "--embedding-type",
    "embedding_dimension": "--dimension",
    "embedding_uncertainty": "--uncertainty",
    "time_based_metadata": "--time-metadata",
    "timeout": "--timeout",
    "task_id": "TASK_ID",
    "page_limit": "--limit",
    "max_items": "--limit",
    "status": "--status",
    "allow_insecure_http": "--allow-insecure-http",
    "file": "--file",
    "path": "FILE",
    "concurrency": "--concurrency",
    "multipart_threshold": "--multipart-threshold",
    "force": "--force",
}
# Names with an underscore cannot be ordinary words: they are replaced wherever they stand. Plain words
# (url, status, timeout, segmentation) are replaced only as a whole field or when written `like_this`.
_BY_LENGTH = sorted(FLAGS, key=len, reverse=True)
_CODE_NAME = re.compile(r"`(" + "|".join(_BY_LENGTH) + r")`")
_UNDERSCORED = re.compile(r"\b(" + "|".join(n for n in _BY_LENGTH if "_" in n) + r")\b(?:=True)?")
_SCHEMA_REF = re.compile(r"\s*\((?:[A-Z]\w*|parameters)\.\w+\)")  # "(CreateVideoEmbeddingTaskForm.video_clip_length)"
_API_KEY_PARAM = re.compile(r"pass api_key=\.\.\. or ")
_FIELD = re.compile(r"(?P<name>[a-z_0-9]+)(?P<rest>.*)")


def in_cli_words(text: str) -> str:
    """`text` with parameter names replaced by flags and schema references removed."""
    text = _API_KEY_PARAM.sub("", text)
    text = _SCHEMA_REF.sub("", text)
    text = _CODE_NAME.sub(lambda m: FLAGS[m.group(1)], text)
    return _UNDERSCORED.sub(lambda m: FLAGS[m.group(1)], text)


def field_as_flag(field: str) -> str:
    """`video_embedding_scope[0]` -> `--scope`; `time_based_metadata[0].end` -> `--time-metadata[0].end`."""
    parts = []
    for part in field.split(" / "):
        match = _FIELD.fullmatch(part.strip())
        if match is None or match.group("name") not in FLAGS:
            parts.append(part)
            continue
        rest = match.group("rest")
        parts.append(FLAGS[match.group("name")] + ("" if re.fullmatch(r"\[\d+\]", rest) else rest))
    return " / ".join(parts)


def validation_words(error: ValidationError) -> tuple[str, str]:
    """The flag and the rule of a library ValidationError, in the CLI's words."""
    return field_as_flag(error.field), in_cli_words(error.rule)


class Redactor:
    """Removes an API key from text, as written, as Python escapes it, and as bytes escape it."""

    def __init__(self, secret: str | None) -> None:
        forms: set[str] = set()
        if secret and secret.strip():
            for value in {secret, secret.strip()}:
                forms.update({value, repr(value)[1:-1], repr(value.encode("utf-8", "backslashreplace"))[2:-1]})
        self._forms = sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, "****")
        return text
