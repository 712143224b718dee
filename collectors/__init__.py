"""Collectors: sources that read error counts and rates from upstream systems.

This package knows nothing of Flask, websockets or screens and never imports
``wallboard``; it turns upstream answers into :class:`collectors.base.Reading`s.
"""
