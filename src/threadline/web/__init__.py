"""The browser UI: server-rendered HTML shells (``pages.router``) and the
static files they load (``pages.mount_static``). Every page fetches its data
from the JSON API at ``/api/v1`` in the browser, so the pages hold no data,
need no server-side session check, and cannot leak what the API would refuse.

Front-end packages (Cytoscape.js) come pinned from the npm registry into
``web/node_modules`` (``npm ci`` here, run by ``make setup``) and are served
from there at ``/static/vendor``; none is copied into the repository."""
