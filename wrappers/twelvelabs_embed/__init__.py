"""twelvelabs_embed: a typed, resilient client for the TwelveLabs Embed API."""

__version__ = "0.1.0"
