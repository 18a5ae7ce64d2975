"""Getting customers in and out: import from CSV/xlsx files, export of a tab."""
