"""The SheetCRM bot: rules over a snapshot, one batched write per cycle, and the scheduler."""
