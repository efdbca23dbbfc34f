"""``python -m analysis``: see :mod:`analysis.cli`.

OpenBLAS runs single-threaded in the command unless the environment says otherwise
(``OPENBLAS_NUM_THREADS``, read when numpy is first imported): its products here are
memory-bound dot products, for which extra threads bring no speed and cost CPU time while
they wait for work.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from analysis.cli import main  # noqa: E402  (numpy must not be imported before the setting)

raise SystemExit(main())
