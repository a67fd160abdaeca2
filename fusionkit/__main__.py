"""``python -m fusionkit`` = the ``fusionkit`` command (torchrun: ``torchrun ... -m fusionkit train ...``)."""
from .cli import main

raise SystemExit(main())
