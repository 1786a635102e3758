from . import report_statement_of_account
