"""Property test: the array parser's fast path and its pure path equal a full parse on generated bodies.

Bodies are written as JSON text, not serialized from values, so they carry what a serializer never
writes: keys with `\\uXXXX` escapes, duplicate keys, keys and array text inside strings, keys that end
in an escaped quote, every number form (signs, exponents, negative zero, huge and tiny values, integers
beyond 64 bits, the float32 limits), odd whitespace, nulls and wrong types, vectors in metadata and in
nested objects, empty and missing lists, the digits of the fast path's placeholders, and broken JSON.

Hypothesis draws a seed; a `random.Random` seeded with it picks the kind, the simdjson group size and
writes the body (hundreds of choices each: drawing them one by one through hypothesis costs ~0.1 s a
body). A failure prints the body. `make test` runs `ARRAYS_EXAMPLES` bodies (default 2,000, derandomized);
`make fuzz` runs 20,000 with a fresh seed.
"""

from __future__ import annotations

import json
import os
import random
import struct
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twelvelabs_embed import _arrays
from twelvelabs_embed._arrays import ArrayParseError, parse_legacy_arrays, parse_v2_arrays

from ._arrays_reference import LAYOUTS, REFUSED, Expected, Layout, differences, reference

EXAMPLES = int(os.environ.get("ARRAYS_EXAMPLES", "2000"))
KINDS = {"v2": _arrays._V2, "legacy": _arrays._LEGACY}
PUBLIC = {"v2": parse_v2_arrays, "legacy": parse_legacy_arrays}

WHITESPACE = ["", "", "", "", "", " ", "  ", "\n", "\t", "\r\n", "\n    \t "]
VALID_NUMBERS = [
    "0", "-0", "-0.0", "0.0", "0e0", "-0E-0", "0e99999999999999999999", "1E2", "1e+2", "1e-2", "1.5e0005",
    "3.4028234663852886e38", "3.4028235677973362e38", "1.401298464324817e-45", "7.006492321624085e-46",
    "7.006492321624087e-46", "1e-400", "2.4703282292062328e-324", "9007199254740993", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
    "0.1000000000000000055511151231257827", "1" * 38, "-" + "9" * 30 + ".5e-20",
]  # fmt: skip
OUT_OF_RANGE = [
    "3.4028235677973366e38", "-3.4028235677973366e38", "1e39", "-1e39", "1.7976931348623157e308",
    "1.7976931348623159e308", "1e400", "-1e400", "1" * 40, "1" * 400,
]  # fmt: skip
BAD_ELEMENTS = ["true", "false", "null", '"0.5"', '"1"', "[]", "[1]", "{}", '{"a":1}']
STRINGS = [
    "visual", "audio", "clip", "asset", "", "visual-text", "transcription", "é", "日本", "\U0001f600", "a\\b",
    'q"uote', "a\u0000b", '"embedding": [1, 2]', 'embedding":[3]', '"float":[4,5]', "]", "[", "}",
]  # fmt: skip
MARKS = ["98765432108000000", "987654321080000001", '"98765432108"', "[98765432108]", "[987654321080000000]"]


class Writer:
    """Writes one body as JSON text. A `messy` body may break the documented shape anywhere (wrong
    types, nulls, non-numbers, out-of-range numbers, broken JSON); a clean one only in ways a full
    parse accepts (escapes, duplicates, decoys, number forms, whitespace, empty and missing lists)."""

    def __init__(self, seed: int, layout: Layout, messy: bool) -> None:
        self.rng = random.Random(seed)
        self.layout = layout
        self.messy = messy
        self.width = self.rng.choice([0, 1, 2, 3, 4, self.rng.randint(5, 24)])

    def one_in(self, n: int) -> bool:
        return self.rng.random() * n < 1

    def rare(self, n: int) -> bool:
        return self.messy and self.one_in(n)

    def space(self) -> str:
        return self.rng.choice(WHITESPACE)

    def number(self) -> str:
        """A JSON number literal in any form; when messy, possibly one beyond the float32 range."""
        rng = self.rng
        form = rng.randrange(8 if self.messy else 7)
        if form == 0:
            return rng.choice(VALID_NUMBERS)
        if form == 1:  # any finite double, in Python's shortest form
            while True:
                value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
                if value == value and abs(value) < 1e30:
                    return repr(value)
        if form == 2:  # mostly within 64 bits; beyond them a full parse gives a float, simdjson refuses
            return str(rng.randint(-(2**63), 2**64 - 1) if rng.randrange(8) else rng.randint(-(2**70), 2**70))
        if form == 7:
            return rng.choice(OUT_OF_RANGE)
        sign = rng.choice(["", "", "-"])
        whole = rng.choice(["0", "1", "7", "42", "123456789", "10000000000000001"])
        fraction = rng.choice(["", "", ".0", ".5", ".000001", ".333333333333333333333333"])
        exponent = rng.choice(["", "", "e0", "E+1", "e-1", "e-05", "E10", "e-30", "e-45", "e-46", "e+020"])
        return sign + whole + fraction + exponent

    def float32(self) -> str:
        """What servers write: a float32 value in shortest form (mostly small, sometimes any bits)."""
        if self.one_in(8):
            while True:
                value = struct.unpack("<f", self.rng.getrandbits(32).to_bytes(4, "little"))[0]
                if value == value and abs(value) != float("inf"):
                    return repr(value)
        value = struct.unpack("<f", struct.pack("<f", self.rng.gauss(0.0, 0.05)))[0]
        return repr(value)

    def key(self, name: str) -> str:
        """`name` as a JSON key: plain, or with some or all characters written as `\\uXXXX`."""
        roll = self.rng.random()
        if roll < 0.6:
            return json.dumps(name)
        escape = -1 if roll < 0.8 else self.rng.getrandbits(len(name))  # all, or a random subset
        upper = self.rng.getrandbits(len(name))
        out = []
        for index, char in enumerate(name):
            if escape >> index & 1:
                code = f"{ord(char):04x}"
                out.append("\\u" + (code.upper() if upper >> index & 1 else code))
            else:
                out.append(char if char not in '"\\' else "\\" + char)
        return '"' + "".join(out) + '"'

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        """An object from (key text, value text) pairs in a random order (duplicates: the last one wins)."""
        space = self.space()
        self.rng.shuffle(pairs)
        inner = ",".join(f"{space}{k}{self.space()}:{space}{v}{space}" for k, v in pairs)
        return "{" + inner + space + "}"

    def array(self, elements: list[str]) -> str:
        space = self.space()
        return "[" + space + f"{space},{space}".join(elements) + space + "]"

    def vector(self, width: int) -> str:
        elements = [self.float32() for _ in range(width)]
        if width:
            for _ in range(self.rng.choice([0, 0, 1, 2])):
                elements[self.rng.randrange(width)] = self.number()
            if self.rare(20):
                elements[self.rng.randrange(width)] = self.rng.choice(BAD_ELEMENTS)
        return self.array(elements)

    def string(self) -> str:
        text = self.rng.choice(STRINGS) if not self.rare(10) else "ends in NUL\u0000"
        return json.dumps(text, ensure_ascii=self.one_in(2))

    def decoys(self) -> list[tuple[str, str]]:
        """Pairs holding vector-like text that no row comes from."""
        name, width = self.layout.vector, self.width
        choices = [
            lambda: (self.key(name + "_uncertainty"), self.vector(width)),
            lambda: (json.dumps('x"' + name), self.vector(width)),  # raw text ends in `\"<name>"`
            lambda: (self.key(name + " "), self.vector(width + 1)),
            lambda: (self.key(name.capitalize()), self.vector(width)),
            lambda: (self.key("nested"), self.obj([(self.key(name), self.vector(width + 2))])),
            lambda: (self.key("note"), self.string()),
            lambda: (self.key("list"), self.array([self.vector(2), self.vector(0)])),
        ]
        return [choice() for choice in self.rng.sample(choices, self.rng.choice([0, 0, 1, 2]))]

    def field(self, number: bool) -> str | None:
        """A table field: missing (None), null, the right type, or (messy) a wrong one."""
        form = self.rng.randrange(8)
        if form == 0:
            return None
        if form == 1:
            return "null"
        if self.rare(6):
            return self.rng.choice(['"1"', "true", "[]", "{}"] + ([] if number else ["1"]))
        return self.number() if number else self.string()

    def item(self, width: int) -> str:
        name = self.layout.vector
        pairs: list[tuple[str, str]] = []
        if self.rare(4):
            form = self.rng.randrange(5)
            if form == 1:
                pairs.append((self.key(name), "null"))
            elif form == 2:
                wrong = ['"[1, 2]"', "1", "{}", "true", "[[1, 2]]", "[1, [2]]", "[[]]"]
                pairs.append((self.key(name), self.rng.choice(wrong)))
            elif form == 3:  # a vector and a null under the same key: the later one wins
                pairs += [(self.key(name), self.vector(width)), (self.key(name), "null")]
            elif form == 4:
                pairs.append((self.key(name), self.vector(width + 1 if width < 2 else width - 1)))
            # form 0: no vector at all
        elif self.one_in(7):  # two vectors under the same key: the later one wins
            pairs += [(self.key(name), self.vector(width)), (self.key(name), self.vector(width))]
        else:
            pairs.append((self.key(name), self.vector(width)))
        layout = self.layout
        fields = ((layout.start, True), (layout.end, True), ("embedding_option", False), ("embedding_scope", False))
        for field, number in fields:
            value = self.field(number)
            if value is not None:
                pairs.append((self.key(field), value))
        return self.obj(pairs + self.decoys())

    def items(self, width: int) -> str | None:
        form = self.rng.randrange(20)
        if form == 0:
            return None
        if form == 1:
            return "null"
        if self.rare(8):
            return self.rng.choice(["{}", '"x"', "1", "[1]", "[null]", "[[]]"])
        return self.array([self.item(width) for _ in range(self.rng.randint(0, 6))])

    def body(self) -> str:
        layout, rng = self.layout, self.rng
        top: list[tuple[str, str]] = [(self.key("status"), '"ready"')]
        task_id = rng.randrange(8)
        if task_id == 0:
            top.append((self.key("_id"), rng.choice(["5", "[]"]) if self.messy else '""'))
        elif task_id == 1:
            top.append((self.key("_id"), "null"))
        elif task_id > 2:
            top.append((self.key("_id"), json.dumps(f"{rng.getrandbits(96):024x}")))
        metadata = [(self.key("duration"), self.number()), *self.decoys()]
        if self.one_in(2):
            metadata.append((self.key(layout.vector), self.vector(self.width + 3)))
        holder: list[tuple[str, str]] = []
        if self.one_in(8):  # a second list under the same key: a full parse keeps the last one
            holder.append((self.key(layout.items), self.array([self.item(self.width + 1)])))
        items = self.items(self.width)
        if items is not None:
            holder.append((self.key(layout.items), items))
        if layout.outer is None:
            top += [(self.key("metadata"), self.obj(metadata)), *holder]
        else:
            holder.append((self.key("metadata"), self.obj(metadata)))
            form = rng.randrange(20)
            if form == 1:
                top.append((self.key(layout.outer), "null"))
            elif form == 2 and self.messy:
                top.append((self.key(layout.outer), rng.choice(["[]", '"x"', "3"])))
            elif form != 0:
                top.append((self.key(layout.outer), self.obj(holder)))
        top.append((self.key("usage"), self.obj([(self.key("truncated"), "false")])))
        if self.one_in(16):  # the digits of the fast path's placeholders, as a number or in text
            top.append((self.key("mark"), rng.choice(MARKS)))
        text = self.obj(top)
        if self.rare(6):
            form = rng.randrange(3)
            if form == 0:
                text = text[: rng.randrange(max(1, len(text)))]
            elif form == 1:
                text += rng.choice(["x", ",", "}", "]", " {}"])
            else:
                text = rng.choice(["[]", '"x"', "null", "", "[" + text + "]"])
        return self.space() + text + self.space()


def write(kind: str, seed: int, messy: bool) -> bytes:
    """One body of `kind`: the same for the same seed."""
    return Writer(seed, LAYOUTS[kind], messy).body().encode()


def case(seed: int) -> tuple[str, bool, int]:
    """The kind, messiness (one body in three) and simdjson group size of body `seed`."""
    choose = random.Random(seed ^ 0x5EED)
    return choose.choice(sorted(KINDS)), choose.randrange(3) == 0, choose.choice([1, 40, 300, 65536])


def check_body(kind: str, body: bytes, group_bytes: int, tally: Counter[str]) -> None:
    """Both paths and the public function equal the reference on `body`, or refuse it with it."""
    expected = reference(body, kind)
    tally["bodies"] += 1
    has_rows = isinstance(expected, Expected) and bool(expected.rows)
    tally["refused" if expected == REFUSED else "with rows" if has_rows else "empty"] += 1
    try:
        full = _arrays._parse_full(body, KINDS[kind])
    except ArrayParseError:
        assert expected == REFUSED, f"pure path refused a valid body: {body!r}"
    else:
        assert isinstance(expected, Expected), f"pure path accepted a body the full parse refuses: {body!r}"
        assert not differences(full, expected), (differences(full, expected), body)
    try:
        fast = _arrays._parse_fast(body, KINDS[kind], group_bytes)
    except (_arrays._Unproven, ArrayParseError):
        tally["fast path deferred"] += 1
    else:
        assert isinstance(expected, Expected), f"fast path accepted a body the full parse refuses: {body!r}"
        assert not differences(fast, expected), (differences(fast, expected), body)
        tally["fast path proved rows" if has_rows else "fast path proved empty"] += 1
    try:
        public = PUBLIC[kind](body)
    except ArrayParseError:
        assert expected == REFUSED, body
    else:
        assert isinstance(expected, Expected) and not differences(public, expected), body


@pytest.mark.timeout(1800)
def test_fast_and_pure_paths_equal_a_full_parse() -> None:
    """On every generated body both paths give the full parse's result bit for bit or both refuse it, and
    the fast path proves itself (no fallback) on nearly every valid body with rows."""
    tally: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize="ARRAYS_RANDOM_SEED" not in os.environ,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(seed=st.integers(0, 2**64))
    def check(seed: int) -> None:
        kind, messy, group_bytes = case(seed)
        check_body(kind, write(kind, seed, messy), group_bytes, tally)

    check()
    print(dict(tally))
    assert tally["bodies"] >= EXAMPLES
    assert tally["refused"] >= EXAMPLES // 10, "the writer must reach the error paths"
    assert tally["with rows"] >= EXAMPLES // 3, "the writer must produce valid results with rows"
    assert tally["fast path proved rows"] >= tally["with rows"] * 0.8, "the fast path must not just defer"
