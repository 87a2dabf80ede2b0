"""The review desk: the web app where reviewers decide on flagged posts and investigators
follow recruiter networks.

``create_app(config)`` builds the Flask app over the same SQLite store as the scheduler;
``serve(config, host, port)`` runs it on waitress in a background thread and returns a
``ReviewServer`` with ``url`` and ``stop()`` (what ``pantau serve`` and ``pantau demo``
use); ``add_account(db, name, role, password)`` adds a login. See docs/review.md.
"""

from review.accounts import add_account
from review.app import create_app
from review.server import ReviewServer, serve

__all__ = ["ReviewServer", "add_account", "create_app", "serve"]
