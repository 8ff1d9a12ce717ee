"""``python -m mus_verify`` is the ``mus-verify`` command."""

import sys

from .cli import main

sys.exit(main())
