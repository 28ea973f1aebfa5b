"""CSV import from core banking (`flask import KIND FILE.csv`); see docs/import.md."""
