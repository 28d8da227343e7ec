"""Where tasks come from besides Slack: CSV exports (Asana, Jira, Linear, generic) and the Asana sync."""

from .csv_import import ImportFileError, ImportReport, import_csv
from .formats import FORMATS, ExportFormat

__all__ = ["FORMATS", "ExportFormat", "ImportFileError", "ImportReport", "import_csv"]
