"""The SheetCRM workbook contract: schema, typed cells and storage backends."""
