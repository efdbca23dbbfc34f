"""Entry point of ``python -m questionnaires`` (see ``questionnaires.cli``)."""

import sys

from questionnaires.cli import main

sys.exit(main())
