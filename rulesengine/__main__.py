"""`python -m rulesengine` runs the command line."""

import sys

from rulesengine.cli import main

sys.exit(main())
