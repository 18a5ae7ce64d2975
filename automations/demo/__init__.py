"""The demo: a generated workbook (:mod:`.data`) and the `sheetcrm demo` command."""
