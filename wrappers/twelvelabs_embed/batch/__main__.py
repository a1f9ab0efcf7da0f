"""`python -m twelvelabs_embed.batch ARGS`: the same as `twelvelabs-embed batch ARGS`."""

import sys

from ._cli import main

sys.exit(main())
