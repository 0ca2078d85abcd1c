"""The art. 30 records as exportable documents (core.tabular writes them in every format)."""
