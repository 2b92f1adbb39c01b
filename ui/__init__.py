"""The only Streamlit-aware helpers: session-state keys, cached wrappers, shared widgets."""

import logging

from balancer.terminal import SafeFormatter

_log = logging.getLogger("balancer.ui")
if not _log.handlers:  # the server's log: a time, and text from tables shown, not obeyed (terminal)
    _handler = logging.StreamHandler()
    _handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.propagate = False
