"""The web domain's storage access: none.

Every page reads and changes data through the other domains' `services`; the web interface keeps no
records of its own (its session lives in the browser's cookie, its CSRF token likewise).
"""
