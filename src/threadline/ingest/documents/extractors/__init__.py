"""One module per family of formats; :mod:`..formats` names them by MIME type."""
