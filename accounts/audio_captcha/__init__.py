"""The captcha as sound: the calculation of the picture, spoken in the page's language.

``speech`` turns a challenge into words and words into a WAV file (espeak-ng); ``services``
decides who gets a recording (live captcha, cache, per-address limit); ``views`` serves it
under the captcha's key, in place of django-simple-captcha's flite-only view (decision 172).
"""
