"""Voxloop: self-hosted customer-feedback and satisfaction management."""

__version__ = "0.1.0"
