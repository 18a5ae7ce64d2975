"""Pure rules over a snapshot: IDs, validation, stage history, reminders, lifecycle, RFM segments.

Each rule reads a :class:`~sheet_schema.model.Snapshot` and returns its part of the cycle's plan;
none of them reads the clock, the environment or the network.
"""
