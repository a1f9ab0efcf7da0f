"""The fake's defaults, defined once, and the checks of the settings that `EmbedFake`, `serve()` and
`python -m twelvelabs_embed.testing` accept (so all three agree and reject the same values the same way).

Why these values: port 4020 sits next to Prism's 4010 (`make mock`) and is what the README shows; tasks stay
`processing` for 10 s, `EmbedFake`'s long-standing default (tests written against it keep passing), long
enough to watch a wait poll a few times against a real server (in-process tests move a `FakeClock` and never
really wait); `test-key` is an obviously fake key; media of unstated length lasts 60 s.
"""

from __future__ import annotations

import math
from typing import Final, Literal

__all__ = [
    "AUDIO_METADATA_SPELLINGS",
    "DEFAULT_API_KEY",
    "DEFAULT_AUDIO_METADATA_SPELLING",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_HOST",
    "DEFAULT_MEDIA_DURATION",
    "DEFAULT_PORT",
    "DEFAULT_PROCESSING_SECONDS",
    "AudioMetadataSpelling",
    "check_audio_metadata_spelling",
    "check_chunk_size",
    "check_duration",
    "check_port",
    "check_processing_seconds",
]

#: The interface `serve()` binds unless told otherwise (loopback only).
DEFAULT_HOST: Final = "127.0.0.1"
#: The port `serve()` and `python -m twelvelabs_embed.testing` listen on unless told otherwise.
DEFAULT_PORT: Final = 4020
#: The key a fake accepts unless told otherwise.
DEFAULT_API_KEY: Final = "test-key"
#: How long (seconds) a task stays `processing` unless told otherwise.
DEFAULT_PROCESSING_SECONDS: Final = 10.0
#: Duration (seconds) of media whose length the test did not state: URLs without `duration=` and uploads.
DEFAULT_MEDIA_DURATION: Final = 60.0

#: Bytes per chunk of a multipart upload the fake chooses unless told otherwise (the real API's example).
DEFAULT_CHUNK_SIZE: Final = 5 * 1024 * 1024

AudioMetadataSpelling = Literal["spec", "sdk"]
#: The two spellings of the audio metadata arrays in list items: "spec" writes `audio_embedding_options` /
#: `audio_embedding_scopes` (the official OpenAPI spec), "sdk" writes `audio_embedding_option` /
#: `audio_embedding_scope` (what the official Python SDK 1.3.6 reads).
AUDIO_METADATA_SPELLINGS: Final[tuple[AudioMetadataSpelling, ...]] = ("spec", "sdk")
DEFAULT_AUDIO_METADATA_SPELLING: Final[AudioMetadataSpelling] = "spec"


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def check_processing_seconds(value: object, name: str = "processing_seconds") -> float:
    """`value` as float seconds if finite and >= 0, else ValueError naming `name`."""
    number = _number(value, name)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return number


def check_duration(value: object, name: str) -> float:
    """`value` as float seconds if finite and > 0, else ValueError naming `name`."""
    number = _number(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def check_port(value: object, name: str = "port") -> int:
    """`value` if it is an integer TCP port 0-65535 (0: pick a free one), else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ValueError(f"{name} must be an integer from 0 to 65535 (0 picks a free port), got {value!r}")
    return value


def check_audio_metadata_spelling(value: object, name: str = "audio_metadata_spelling") -> AudioMetadataSpelling:
    """`value` if it is one of `AUDIO_METADATA_SPELLINGS`, else ValueError naming `name`."""
    for spelling in AUDIO_METADATA_SPELLINGS:
        if value == spelling:
            return spelling
    raise ValueError(f"{name} must be one of {list(AUDIO_METADATA_SPELLINGS)}, got {value!r}")


def check_chunk_size(value: object, name: str = "chunk_size") -> int:
    """`value` if it is a whole number of bytes >= 1, else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of bytes >= 1, got {value!r}")
    return value
