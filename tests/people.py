"""The made-up people of the tests: one name for each ID number, mobile, password and address.

Every value passes the portal's own rules (IDs carry a right Luhn check digit, mobiles are in
assigned blocks, passwords meet every password rule), so a test that uses them fails only for
the reason it tests. The browser journeys draw people of their own (``tests.e2e.people``),
with the same password.

Rule tables (lists of valid and invalid IDs or mobiles) keep their literals: there the
literal is the point of the test.
"""

from __future__ import annotations

# --- National ID numbers: ten digits, a Luhn check digit; the first digit says whose -----------

#: A Saudi citizen (first digit 1).
CITIZEN_ID = "1000000008"
#: Another citizen.
OTHER_CITIZEN_ID = "1058529940"
#: CITIZEN_ID typed in Arabic-Indic digits.
CITIZEN_ID_ARABIC = "١٠٠٠٠٠٠٠٠٨"
#: A resident (first digit 2, an iqama number).
RESIDENT_ID = "2000000006"
#: Another resident.
OTHER_RESIDENT_ID = "2123456788"
#: A visitor's border number (first digit 3).
BORDER_ID = "3000000001"

# --- Mobiles: as a person types them (national, 05…) and as the portal stores them (E.164) ----

MOBILE = "0551234567"
MOBILE_E164 = "+966551234567"
OTHER_MOBILE = "0561234567"
OTHER_MOBILE_E164 = "+966561234567"
#: A staff member's mobile (staff accounts must have one: they sign in with the SMS code).
STAFF_MOBILE = "0531234567"
#: Another staff member's.
OTHER_STAFF_MOBILE = "0541234567"

# --- Sign-in -----------------------------------------------------------------------------------

#: Meets every password rule (English letters and digits only, no run, no sequence).
PASSWORD = "Tr7uMpet9Zq"
#: Another password meeting every rule, for changes and resets.
NEW_PASSWORD = "Qv4nDolphin8x"
#: A username the password rules test against (the password must not resemble it).
RULES_USERNAME = "ahmed1990"

# --- Contact -------------------------------------------------------------------------------------

#: The address of an account made directly (``tests.factories.make_user``).
EMAIL = "owner@example.sa"
#: The client address of requests and challenges (TEST-NET-2, never routed).
IP = "198.51.100.7"
