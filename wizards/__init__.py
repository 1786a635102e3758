from . import collection_promise_wizard
