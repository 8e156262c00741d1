from . import return_sustainability_report
