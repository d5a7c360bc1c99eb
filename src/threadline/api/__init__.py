"""The HTTP API: a JSON API under ``/api/v1`` (and the web UI's pages) over
one workspace, with access control and audit on every request. See
docs/api.md.

::

    from threadline.api import create_app

    app = create_app("case-files")                       # embedded app database
    app = create_app("case-files", "postgresql://...")   # server mode
"""

from threadline.api.app import create_app
from threadline.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
