"""Importing an existing register: a spreadsheet (CSV, XLSX, ODS) read back into activities,
every row checked before anything is written, all or nothing."""
