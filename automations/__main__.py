"""`python -m automations` is the `sheetcrm` command."""

from automations.cli import main

raise SystemExit(main())
