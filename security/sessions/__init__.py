"""Where a person is signed in: the records of their sessions, the list on the security page,
ending a session, and the SMS about a sign-in from a new browser (design.md §19)."""
