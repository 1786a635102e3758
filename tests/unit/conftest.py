"""Plain-Python tests of the addon's ORM-free logic (``tools/``).

The addon folder is an Odoo module whose ``__init__`` imports ``odoo``; these
tests load only ``tools/`` as a stand-alone package named ``acmx_tools`` so they
run with nothing but pytest (and lxml / python-stdnum where the module needs them).
"""

import importlib.util
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "tools"

if "acmx_tools" not in sys.modules:
    spec = importlib.util.spec_from_file_location(
        "acmx_tools", TOOLS / "__init__.py", submodule_search_locations=[str(TOOLS)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["acmx_tools"] = module
    spec.loader.exec_module(module)
