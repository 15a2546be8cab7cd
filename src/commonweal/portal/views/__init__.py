"""The citizen pages, one module per area (see portal/urls.py for which page is where).

Views parse the request, call the domains' public modules (`services`, `selectors`, and
modules their owners name public, such as `intake.journey`) or `core`, and render.
Every page works without JavaScript and follows the GOV.UK Design System's patterns.
"""
