"""The hand-off between the workspace's "Take an application" page and the question pages:
what the session holds while a member of staff takes an application for someone.

The draft in progress for each service is kept in the staff member's session, so the same
question pages serve them; what the workspace asked (channel, identity check, email) waits
there until eligibility is answered. Public: the workspace calls `assisted_begin`; the
journey reads the same keys."""

# The session's assisted drafts, by service slug.
ASSISTED_KEY = "assisted_drafts"
# The answers to "can you apply?", by service slug.
ELIGIBILITY_SESSION_KEY = "eligibility"


def assisted_begin(session, slug: str, *, channel: str, identity_check: str, email: str) -> None:
    """The next journey for `slug` in this session is taken for someone else."""
    drafts = dict(session.get(ASSISTED_KEY, {}))
    drafts[slug] = {"channel": channel, "identity_check": identity_check, "email": email}
    session[ASSISTED_KEY] = drafts
    # Answers to "can you apply?" from an earlier application are not this person's.
    stored = dict(session.get(ELIGIBILITY_SESSION_KEY, {}))
    stored[slug] = {}
    session[ELIGIBILITY_SESSION_KEY] = stored
