"""Entry point for ``python -m summeval``."""

from summeval.cli import main

raise SystemExit(main())
