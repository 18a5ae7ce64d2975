"""The `sheetcrm` subcommands, one module each; :mod:`automations.cli` puts them together.

Each module has ``register(commands)``, which adds its parser and handler. Reading the
environment happens here and in :mod:`.options` only: everything below takes its collaborators
as arguments.
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

# What `ArgumentParser.add_subparsers()` returns; argparse names the type only privately, and
# subscripts it only in its type stubs (hence the string).
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
