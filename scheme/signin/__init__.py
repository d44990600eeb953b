"""Signing in besides e-mail and password: ID-porten over OpenID Connect, and signing up by
e-mail with the address confirmed by a link.

``idporten`` speaks the protocol; ``links`` makes and reads the e-mailed links; ``services``
makes and links accounts; ``views`` and ``forms`` are the pages.
"""
