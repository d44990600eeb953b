"""The mentoring pages, by audience: ``sides`` for the pairing's mentor and participant
organisations, ``caseworker`` and ``compensation`` for the scheme's caseworkers, and
``pairing`` for the pairing page that all of them read.

Every object is fetched through its ``visible_to(user)``, so another organisation's pairing,
meeting, task, check-in or flag answers 404.
"""
