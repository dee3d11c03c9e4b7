"""The web app and HTTP API over a workspace (``rashomon serve``): a thin adapter over the store's
read methods, with server-rendered pages and their JSON twins. See docs/web.md."""

from .app import CONTENT_SECURITY_POLICY, create_app, error_body

__all__ = ["CONTENT_SECURITY_POLICY", "create_app", "error_body"]
