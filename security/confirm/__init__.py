"""Confirm it's you (``security:confirm``): the password again, then a second step, then back.

Changes to the ways to sign in need a recent sign-in (``security.recent``); a session without
one is sent here. The password is checked under the sign-in's throttles and lockout, then the
person's second step is started (today the code by SMS; an authenticator app or a passkey is
added by listing its step in ``steps.SECOND_STEPS``), and once it is passed the session
records both factors, fresh, and goes back to the page it came from.
"""
