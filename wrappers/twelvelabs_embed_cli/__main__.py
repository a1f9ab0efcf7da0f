"""`python -m twelvelabs_embed_cli`."""

import sys

from . import main

sys.exit(main())
