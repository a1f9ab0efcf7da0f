"""The package version and the User-Agent it sends."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("twelvelabs-embed")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

USER_AGENT = f"twelvelabs-embed/{__version__} (python)"
