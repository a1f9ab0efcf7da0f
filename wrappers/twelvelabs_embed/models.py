"""Every request and response model of the API, re-exported from the generated package.

Models are attrs classes generated from openapi.yaml: wire names map to attributes (`_id` -> `id`,
`float` -> `float_`), absent optional fields are `UNSET`, and every model has `to_dict()` /
`from_dict()`. Response values the server may extend (statuses, options, scopes) are a known Enum
member or, for a value added later, a plain `str`.
"""

from twelvelabs_embed_generated.models import *  # noqa: F403
from twelvelabs_embed_generated.models import __all__ as _generated_all
from twelvelabs_embed_generated.types import UNSET as UNSET  # explicit re-export (mypy --strict)
from twelvelabs_embed_generated.types import Unset as Unset

__all__ = sorted([*_generated_all, "UNSET", "Unset"])
