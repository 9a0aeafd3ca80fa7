"""``python -m bot`` is ``mi-bot``."""

import sys

from bot.cli import main

sys.exit(main())
