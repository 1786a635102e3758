from . import test_install
from . import test_collection_summary
from . import test_collection_promise
from . import test_collection_analysis_statement
