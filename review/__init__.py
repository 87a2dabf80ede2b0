"""The review desk: the web app where reviewers decide on flagged posts and investigators
follow recruiter networks.

``create_app(config)`` builds the Flask app over the same SQLite store as the scheduler;
``serve(config, host, port)`` runs it on waitress in a background thread and returns a
``ReviewServer`` with ``url`` and ``stop()`` (what ``pantau serve`` and ``pantau demo``
use). See docs/review.md.
"""

from review.app import create_app
from review.server import ReviewServer, serve

__all__ = ["ReviewServer", "create_app", "serve"]
